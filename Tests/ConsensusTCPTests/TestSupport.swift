import ConsensusCore
import ConsensusNetwork
import ConsensusTCP
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Polls `condition` every 20 ms until it holds or `timeout` passes (generous: the machine may
/// be loaded). Returns whether it held. Never used to measure time.
func eventually(timeout: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// What one transport received, and which peers it reported unreachable.
final class Mailbox: Sendable {
    private let state = Mutex<(messages: [(String, PeerMessage)], unreachable: [String])>(([], []))

    func receive(_ from: String, _ message: PeerMessage) { state.withLock { $0.messages.append((from, message)) } }
    func lost(_ peer: String) { state.withLock { $0.unreachable.append(peer) } }

    var messages: [(from: String, message: PeerMessage)] { state.withLock { $0.messages.map { (from: $0.0, message: $0.1) } } }
    var unreachable: [String] { state.withLock { $0.unreachable } }

    func messages(from peer: String) -> [PeerMessage] { messages.filter { $0.from == peer }.map(\.message) }
}

/// A transport under test with its mailbox and log.
struct Member {
    let name: String
    let transport: TCPTransport
    let mailbox: Mailbox
    let log: LogRecorder

    var address: PeerAddress {
        get throws {
            guard let address = transport.localAddress else { throw TestFailure("\(name) is not listening") }
            return address
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A jitter source with a fixed seed.
struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: SplitMix64
    init(seed: UInt64) { state = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { state.next() }
}

/// Short waits between attempts, so that reconnect tests do not idle.
let quickBackoff = ReconnectBackoff(initialDelay: .milliseconds(20), maxDelay: .milliseconds(200))

/// Starts a transport for `name` on 127.0.0.1, any free port (or `port`), with no peers yet.
func startMember(
    _ name: String, clusterID: String = "test-cluster", secret: ClusterSecret? = nil, port: Int = 0,
    members: [String: PeerAddress] = [:], adjust: (inout TCPTransportConfiguration) -> Void = { _ in }
) async throws -> Member {
    var configuration = TCPTransportConfiguration(
        nodeName: name, clusterID: clusterID, listenAddress: PeerAddress(host: "127.0.0.1", port: port),
        members: members, secret: secret)
    configuration.backoff = quickBackoff
    adjust(&configuration)
    let log = LogRecorder()
    let mailbox = Mailbox()
    let transport = TCPTransport(
        configuration: configuration, logger: log.logger(label: name), random: SeededRandom(seed: 7))
    try await transport.start(
        onMessage: { from, message in mailbox.receive(from, message) },
        onUnreachable: { peer in mailbox.lost(peer) })
    return Member(name: name, transport: transport, mailbox: mailbox, log: log)
}

/// Starts `names` as one cluster: each listens on a free port, then learns the others' addresses.
func startCluster(
    _ names: [String], secret: ClusterSecret? = nil, adjust: (inout TCPTransportConfiguration) -> Void = { _ in }
) async throws -> [Member] {
    var members: [Member] = []
    for name in names { members.append(try await startMember(name, secret: secret, adjust: adjust)) }
    var directory: [String: PeerAddress] = [:]
    for member in members { directory[member.name] = try member.address }
    for member in members { member.transport.setMembers(directory) }
    return members
}

/// Runs `body` with a started cluster and always shuts every transport down.
func withTransports<T>(
    _ names: [String], secret: ClusterSecret? = nil, adjust: (inout TCPTransportConfiguration) -> Void = { _ in },
    _ body: ([Member]) async throws -> T
) async throws -> T {
    let members = try await startCluster(names, secret: secret, adjust: adjust)
    do {
        let result = try await body(members)
        for member in members { await member.transport.shutdown() }
        return result
    } catch {
        for member in members { await member.transport.shutdown() }
        throw error
    }
}

/// A raw TCP client on 127.0.0.1 that writes bytes and records what comes back, to play a
/// hostile or foreign peer.
final class RawClient: Sendable {
    let channel: any Channel
    private let store: ByteStore

    init(port: Int) async throws {
        let store = ByteStore()
        self.store = store
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(store: store))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Everything received so far.
    var bytes: [UInt8] { store.bytes.withLock { $0 } }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    /// Whether the connection is closed (by the other side, here).
    var isClosed: Bool { !channel.isActive }

    func close() async { try? await channel.close() }

    final class ByteStore: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let store: ByteStore
        init(store: ByteStore) { self.store = store }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            store.bytes.withLock { $0 += bytes }
        }
    }
}
