import Consensus
import ConsensusNetwork
import ConsensusStorage
import ConsensusTCP
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// One member as a process: its storage, the TCP transport to its peers, the member itself,
/// and the HTTP/JSON API, run under swift-service-lifecycle: SIGTERM or SIGINT stop it
/// gracefully (the API first, then the member, its transport and its storage).
///
/// Nothing is acknowledged before it is durable (``FileStorage`` syncs before a write is
/// answered), so SIGKILL loses nothing that was acknowledged.
public struct NodeServer: Sendable {
    public let options: NodeServerOptions
    let logger: Logger

    public init(options: NodeServerOptions, logger: Logger = Logger(label: "consensus.node")) {
        self.options = options
        var logger = logger
        logger[metadataKey: "node"] = "\(options.id)"
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT (or the parent in ``NodeServerOptions/parentPID`` exits).
    /// - Throws: ``NodeServerError`` when the member cannot start (a corrupt data directory
    ///   names the file; a port in use names the port).
    public func run() async throws {
        let storage: any Storage
        if let directory = options.dataDirectory {
            do {
                storage = try FileStorage(directory: directory)
            } catch {
                throw NodeServerError("cannot open the data directory \(directory): \(error)")
            }
        } else {
            storage = MemoryStorage()
        }
        defer { (storage as? FileStorage)?.close() }
        var transportConfiguration = TCPTransportConfiguration(
            nodeName: options.id, clusterID: options.clusterID, listenAddress: options.listen, members: options.peers,
            secret: options.clusterSecret.map { ClusterSecret($0) })
        transportConfiguration.queueMax = 4096
        let transport = TCPTransport(configuration: transportConfiguration, logger: Logger(label: "consensus.tcp"))
        let metrics = MemberMetrics(queueDepth: { peer in transport.queuedCount(for: peer) })
        let node = ConsensusTrait(nodeID: options.id, configuration: options.memberConfiguration, storage: storage,
                                  metrics: metrics.factory)
        let filter = PeerFilter()
        do {
            try await transport.start(
                onMessage: { [weak node] from, message in
                    if filter.isDropped(from) { return }
                    await node?.handleMessage(from: from, message)
                },
                onUnreachable: { [weak node] peer in await node?.reportUnreachable(peer) })
        } catch {
            throw NodeServerError("cannot listen for peers on \(options.listen): \(error)")
        }
        await node.setTransport(FilteredTransport(base: transport, filter: filter))
        do {
            try await node.start()
        } catch {
            await transport.shutdown()
            throw NodeServerError("the member cannot start: \(error)")
        }
        // After start: starting sets up the simple_majority rounds, and their policy with them.
        if options.manualVotes { await node.setVotePolicy(.manual) }
        logger.info("member started", metadata: ["peers": "\(options.listen)", "api": "\(options.api)",
                                                  "mechanism": "\(options.configuration.mechanism)",
                                                  "data": "\(options.dataDirectory ?? "in memory")"])

        let api = ConsensusAPI(node: node, token: options.apiToken, peerFilter: filter, metrics: metrics)
        let app = Application(router: api.router(),
                              configuration: .init(address: .hostname(options.api.host, port: options.api.port),
                                                   serverName: "consensus"),
                              logger: Logger(label: "consensus.http"))
        let member = MemberService(node: node, transport: transport, peers: options.peers, parentPID: options.parentPID,
                                   logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: member), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // A client that keeps a request open (a stream, a long lock wait) cannot hold the
        // process up for longer than this.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            throw NodeServerError("stopped: \(error) (is the API address \(options.api) in use?)")
        }
        logger.info("member stopped")
    }
}

/// Why a member could not run, in one sentence.
public struct NodeServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Keeps the member's peer directory in step with its membership (a member added through the
/// API gets its address dialled), and stops the member and its transport on shutdown.
struct MemberService: Service {
    let node: ConsensusTrait
    let transport: TCPTransport
    let peers: [String: PeerAddress]
    let parentPID: Int32?
    let logger: Logger

    func run() async throws {
        var known = peers
        var parentGone = false
        // Started by the parent itself (as consensus repl does): a parent that was killed but not
        // yet reaped still answers kill(pid, 0), but this process has been handed to another
        // parent by then.
        let startedByParent = parentPID != nil && getppid() == parentPID
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var current = peers
            for member in await node.nodes {
                if let address = PeerAddress(member.address) { current[member.id] = address }
            }
            if current != known {
                logger.info("peer directory changed", metadata: ["members": "\(current.keys.sorted())"])
                transport.setMembers(current)
                known = current
            }
            if let parentPID, kill(parentPID, 0) != 0 || (startedByParent && getppid() != parentPID) {
                logger.warning("the parent process \(parentPID) is gone: stopping")
                parentGone = true
                break
            }
            try? await gracefulShutdownWaitOrSleep(.milliseconds(500))
        }
        await node.stop()
        await transport.shutdown()
        if parentGone {
            // Stop the whole process (the HTTP server with it).
            Foundation.exit(0)
        }
    }

    /// Sleeps up to `duration`, returning early when a graceful shutdown starts.
    private func gracefulShutdownWaitOrSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}
