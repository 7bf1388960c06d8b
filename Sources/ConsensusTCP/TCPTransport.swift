import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A ``ConsensusNetwork/PeerTransport`` over TCP, on SwiftNIO: how one member's messages reach
/// the other members when they run as separate processes.
///
/// ```swift
/// let transport = TCPTransport(configuration: TCPTransportConfiguration(
///     nodeName: "n1", clusterID: "prod",
///     listenAddress: PeerAddress(port: 7001),
///     members: ["n2": PeerAddress(port: 7002), "n3": PeerAddress(port: 7003)]))
/// try await transport.start(
///     onMessage: { from, message in await node.handleMessage(from: from, message) },
///     onUnreachable: { peer in await node.reportUnreachable(peer) })
/// await node.setTransport(transport)
/// // ...
/// await transport.shutdown()
/// ```
///
/// - **Connections.** It listens on ``TCPTransportConfiguration/listenAddress`` and keeps one
///   outbound connection to each member, on which it sends; members connect to it the same
///   way, and it receives on those inbound connections. Each connection starts with an opening
///   exchange (see ``OpeningStateMachine``): protocol version, cluster id and member name, and
///   an HMAC proof of the ``ClusterSecret`` when there is one. A peer that fails it is refused
///   with the reason logged on both sides and sent in a refusal frame.
/// - **Sending.** ``send(from:to:_:)`` never blocks: it queues the message for the peer
///   (at most ``TCPTransportConfiguration/queueMax`` messages; ``ConsensusNetwork/PeerSendResult/queueFull``
///   past that; ``ConsensusNetwork/PeerSendResult/unreachable`` for a name that is not a member,
///   this member's own, or before ``start(onMessage:onUnreachable:)`` and after ``shutdown()``).
///   Messages for a peer that is not connected stay queued while it is dialed again, within the
///   same bound; snapshots are cut into chunks as they are written.
/// - **Failures.** A lost connection, or a failed attempt, calls `onUnreachable` with the peer's
///   name (the shell forwards it to `ConsensusTrait.reportUnreachable`), and the peer is dialed
///   again after a ``ReconnectBackoff`` wait, for as long as the transport runs.
/// - **Receiving.** Messages from identified peers, snapshots reassembled, are handed to
///   `onMessage` in arrival order, one at a time. A malformed or oversized frame closes its
///   connection with a logged reason; the transport goes on serving the others.
public final class TCPTransport: PeerTransport, Sendable {
    /// The configuration it was created with (its `members` as updated by ``setMembers(_:)``
    /// are in ``members``).
    public let configuration: TCPTransportConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let random: Mutex<(any RandomNumberGenerator & Sendable)?>
    private let state: Mutex<State>

    private enum Phase {
        case created, starting, running, stopped
    }

    private struct State {
        var phase = Phase.created
        var members: [String: PeerAddress]
        var context: TransportContext?
        var server: (any Channel)?
        var peers: [String: OutboundPeer] = [:]
        /// Every open inbound channel, identified or not.
        var inbound: [ObjectIdentifier: any Channel] = [:]
        /// The established inbound channel of each peer.
        var inboundByPeer: [String: ObjectIdentifier] = [:]
    }

    /// Creates a transport. Nothing happens until ``start(onMessage:onUnreachable:)``.
    ///
    /// - Parameters:
    ///   - configuration: Who this member is, where it listens, its peers and bounds.
    ///   - eventLoopGroup: Where the sockets live (default: NIO's shared group, which is never
    ///     shut down). The caller owns a group it passes, and shuts it down after ``shutdown()``.
    ///   - logger: Where refusals, lost connections and dropped frames are logged.
    ///   - random: The source of the reconnect jitter (tests pass a seeded one). Nonces for
    ///     the secret's challenge always come from the system's secure generator.
    public init(
        configuration: TCPTransportConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "consensus.tcp"),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        precondition(configuration.queueMax >= 1, "queueMax must be at least 1")
        precondition(configuration.inboxMax >= 1, "inboxMax must be at least 1")
        precondition(PeerWire.frameBytesMaxRange.contains(configuration.frameBytesMax),
                     "frameBytesMax must be in \(PeerWire.frameBytesMaxRange)")
        self.configuration = configuration
        self.group = eventLoopGroup
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.nodeName)"
        self.logger = logger
        self.random = Mutex(random)
        var members = configuration.members
        members[configuration.nodeName] = nil
        state = Mutex(State(members: members))
    }

    /// The peers' addresses by name (this member excluded).
    public var members: [String: PeerAddress] { state.withLock { $0.members } }

    /// Where it listens, once started (with the port chosen when the configuration said 0).
    public var localAddress: PeerAddress? {
        state.withLock { s in
            guard let address = s.server?.localAddress, let port = address.port else { return nil }
            return PeerAddress(host: address.ipAddress ?? configuration.listenAddress.host, port: port)
        }
    }

    /// The peers whose outbound connection has finished its opening exchange.
    public var connectedPeers: Set<String> {
        Set(state.withLock { $0.peers.values.filter(\.isConnected).map(\.name) })
    }

    /// Messages waiting for `peer` (0 for a name that is not a member).
    public func queuedCount(for peer: String) -> Int {
        state.withLock { $0.peers[peer] }?.queued ?? 0
    }

    // MARK: - Lifecycle

    /// Binds the listening socket, then dials every member.
    ///
    /// - Parameters:
    ///   - onMessage: Called with each message a peer sends (`from` is its member name), in
    ///     arrival order, one call at a time.
    ///   - onUnreachable: Called when a connection to a peer is lost or an attempt to reach it
    ///     fails (and when a message to it cannot be encoded).
    /// - Returns: The address it listens on.
    /// - Throws: When the address cannot be bound, or the transport was started before.
    @discardableResult
    public func start(
        onMessage: @escaping @Sendable (_ from: String, _ message: PeerMessage) async -> Void,
        onUnreachable: @escaping @Sendable (_ peer: String) async -> Void = { _ in }
    ) async throws -> PeerAddress {
        let canStart = state.withLock { s in
            guard s.phase == .created else { return false }
            s.phase = .starting
            return true
        }
        guard canStart else { throw TCPTransportError.alreadyStarted }
        let inbox = Inbox(countMax: configuration.inboxMax, logger: logger, onMessage: onMessage, onUnreachable: onUnreachable)
        let random: any RandomNumberGenerator & Sendable = self.random.withLock { $0.take() } ?? SystemRandomNumberGenerator()
        let context = TransportContext(configuration: configuration, logger: logger, inbox: inbox, random: random)
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { [self] channel in accept(channel, context: context) }
                .bind(host: configuration.listenAddress.host, port: configuration.listenAddress.port)
                .get()
        } catch {
            state.withLock { $0.phase = .stopped }
            await inbox.finish()
            logger.error("cannot listen on \(configuration.listenAddress): \(error)")
            throw error
        }
        let (peers, stopped): ([OutboundPeer], Bool) = state.withLock { s in
            guard s.phase == .starting else { return ([], true) }
            s.phase = .running
            s.context = context
            s.server = server
            for (name, address) in s.members {
                s.peers[name] = OutboundPeer(name: name, address: address, eventLoop: group.next(), context: context)
            }
            return (Array(s.peers.values), false)
        }
        if stopped {
            try? await server.close()
            await inbox.finish()
            throw TCPTransportError.stopped
        }
        for peer in peers { peer.start() }
        let address = localAddress ?? configuration.listenAddress
        logger.info("listening for peers on \(address)")
        return address
    }

    /// Closes every connection and the listening socket, stops dialing, and waits for the
    /// messages already received to be handed over. Queued messages are dropped. The event
    /// loop group is not shut down (it is not the transport's).
    public func shutdown() async {
        let (server, peers, inbound, context) = state.withLock { s in
            let taken = (s.server, Array(s.peers.values), Array(s.inbound.values), s.context)
            s.phase = .stopped
            s.server = nil
            s.peers = [:]
            s.inbound = [:]
            s.inboundByPeer = [:]
            s.context = nil
            return taken
        }
        if let server { try? await server.close() }
        for peer in peers { await peer.stop() }
        for channel in inbound { try? await channel.close() }
        await context?.inbox.finish()
        if server != nil { logger.info("stopped") }
    }

    // MARK: - Members

    /// Replaces the member directory: new members are dialed, removed ones are disconnected
    /// both ways (their queued messages dropped), moved ones are dialed at their new address.
    /// This member's own name, if listed, is skipped. Inbound connections are checked against
    /// the directory as it is when they are accepted.
    ///
    /// - Parameter members: Every member's address by name.
    public func setMembers(_ members: [String: PeerAddress]) {
        var members = members
        members[configuration.nodeName] = nil
        var removedInbound: [any Channel] = []
        let (added, removed, moved): ([OutboundPeer], [OutboundPeer], [(OutboundPeer, PeerAddress)]) = state.withLock { s in
            var added: [OutboundPeer] = [], removed: [OutboundPeer] = [], moved: [(OutboundPeer, PeerAddress)] = []
            s.members = members
            guard s.phase == .running, let context = s.context else { return ([], [], []) }
            for (name, peer) in s.peers where members[name] == nil {
                removed.append(peer)
                s.peers[name] = nil
            }
            for (name, id) in s.inboundByPeer where members[name] == nil {
                if let channel = s.inbound[id] { removedInbound.append(channel) }
            }
            for (name, address) in members {
                if let peer = s.peers[name] {
                    moved.append((peer, address))
                } else {
                    let peer = OutboundPeer(name: name, address: address, eventLoop: group.next(), context: context)
                    s.peers[name] = peer
                    added.append(peer)
                }
            }
            return (added, removed, moved)
        }
        for peer in added { peer.start() }
        for (peer, address) in moved { peer.update(address: address) }
        for peer in removed { Task { await peer.stop() } }
        for channel in removedInbound { channel.close(promise: nil) }
    }

    // MARK: - PeerTransport

    /// Queues `message` for the member `to`. See ``TCPTransport`` for the outcomes.
    ///
    /// - Parameters:
    ///   - from: The sender; this member's name (the message goes out as this member's).
    ///   - to: The recipient's member name.
    ///   - message: The message.
    /// - Returns: ``ConsensusNetwork/PeerSendResult/queued``, `.queueFull` or `.unreachable`.
    public func send(from: String, to: String, _ message: PeerMessage) -> PeerSendResult {
        guard let peer = state.withLock({ $0.phase == .running ? $0.peers[to] : nil }) else { return .unreachable }
        return peer.send(message)
    }

    // MARK: - Inbound connections

    private func accept(_ channel: any Channel, context: TransportContext) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let knownPeers: Set<String>? = state.withLock { s in
            guard s.phase == .running || s.phase == .starting,
                s.inbound.count < configuration.inboundConnectionsMax
            else { return nil }
            s.inbound[id] = channel
            return Set(s.members.keys)
        }
        guard let knownPeers else {
            logger.warning("refused an inbound connection from \(channel.remoteAddress.map { "\($0)" } ?? "?"): \(configuration.inboundConnectionsMax) are open already, or the transport is stopping")
            return channel.close()
        }
        let events = ConnectionEvents(
            established: { [self] peer, channel in inboundEstablished(peer, channel) },
            received: { [context] peer, message in context.inbox.deliver(.message(from: peer, message)) },
            writable: {},
            closed: { [self] channel, _ in inboundClosed(channel) })
        return channel.eventLoop.makeCompletedFuture {
            try context.addHandlers(to: channel, role: .listener, knownPeers: knownPeers, events: events)
        }
    }

    /// A peer identified itself on an inbound connection: an older one from it (a peer that
    /// restarted and left a half-open connection behind) is closed.
    private func inboundEstablished(_ peer: String, _ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let older: (any Channel)? = state.withLock { s in
            guard s.inbound[id] != nil else { return nil }
            let older = s.inboundByPeer[peer].flatMap { $0 == id ? nil : s.inbound[$0] }
            s.inboundByPeer[peer] = id
            return older
        }
        older?.close(promise: nil)
    }

    private func inboundClosed(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { s in
            s.inbound[id] = nil
            for (peer, current) in s.inboundByPeer where current == id { s.inboundByPeer[peer] = nil }
        }
    }
}

/// Why ``TCPTransport/start(onMessage:onUnreachable:)`` refused.
public enum TCPTransportError: Error, Sendable, Hashable {
    /// ``TCPTransport/start(onMessage:onUnreachable:)`` was called before (a transport runs once).
    case alreadyStarted
    /// ``TCPTransport/shutdown()`` came first.
    case stopped
}
