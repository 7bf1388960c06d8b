import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// This member's one outbound connection to one peer, and the bounded queue of messages for it.
///
/// It dials the peer, runs the opening exchange, then writes queued messages while the socket
/// takes them (an `installSnapshot` as chunks, cut as they are written). When the connection
/// fails or closes it reports the peer unreachable and dials again after a
/// ``ReconnectBackoff`` wait, for as long as the transport runs.
///
/// Messages sent while the peer is not connected stay queued (up to ``TCPTransportConfiguration/queueMax``)
/// and go out once it is: Raft's messages tolerate delay and loss, and the bound keeps the
/// backlog short. Messages written to a connection that then breaks are lost.
///
/// Everything but ``send(_:)`` runs on ``eventLoop``; the state is behind a lock because
/// ``send(_:)`` comes from any thread.
final class OutboundPeer: Sendable {
    let name: String
    let eventLoop: any EventLoop
    private let context: TransportContext
    private let state: Mutex<State>

    fileprivate enum Phase {
        case idle
        /// A connection attempt has started; no channel yet.
        case dialing
        /// Dialing or in the opening exchange on `channel`.
        case opening(any Channel)
        /// Established: messages flow.
        case ready(any Channel)
        /// Waiting to dial again.
        case waiting(Scheduled<Void>)
        case stopped
    }

    fileprivate struct State {
        var address: PeerAddress
        var queue: OutboundQueue
        var phase: Phase = .idle
        var failures = 0
        var drainScheduled = false
        /// The rest of the snapshot being written.
        var chunks: SnapshotChunker?
    }

    init(name: String, address: PeerAddress, eventLoop: any EventLoop, context: TransportContext) {
        self.name = name
        self.eventLoop = eventLoop
        self.context = context
        state = Mutex(State(address: address, queue: OutboundQueue(countMax: context.configuration.queueMax)))
    }

    private var logger: Logger {
        var logger = context.logger
        logger[metadataKey: "peer"] = "\(name)"
        return logger
    }

    /// Whether the connection is established.
    var isConnected: Bool {
        state.withLock { if case .ready = $0.phase { true } else { false } }
    }

    /// Messages waiting.
    var queued: Int { state.withLock { $0.queue.count } }

    /// Starts dialing.
    func start() {
        eventLoop.execute { self.connect() }
    }

    /// Queues `message` (from any thread).
    func send(_ message: PeerMessage) -> PeerSendResult {
        let (result, kick): (PeerSendResult, Bool) = state.withLock { s in
            if case .stopped = s.phase { return (.unreachable, false) }
            guard s.queue.push(message) else { return (.queueFull, false) }
            guard case .ready = s.phase, !s.drainScheduled else { return (.queued, false) }
            s.drainScheduled = true
            return (.queued, true)
        }
        if kick { eventLoop.execute { self.drain() } }
        return result
    }

    /// Points the peer at a new address: the current connection, if any, is closed and the
    /// next attempt dials the new one.
    func update(address: PeerAddress) {
        let channel: (any Channel)? = state.withLock { s in
            guard s.address != address else { return nil }
            s.address = address
            switch s.phase {
            case .opening(let channel), .ready(let channel): return channel
            case .idle, .dialing, .waiting, .stopped: return nil
            }
        }
        channel?.close(promise: nil)
    }

    /// Stops for good: no more dialing, the connection closed, the queue dropped.
    func stop() async {
        let (channel, scheduled): ((any Channel)?, Scheduled<Void>?) = state.withLock { s in
            let phase = s.phase
            s.phase = .stopped
            s.queue.removeAll()
            s.chunks = nil
            switch phase {
            case .opening(let channel), .ready(let channel): return (channel, nil)
            case .waiting(let scheduled): return (nil, scheduled)
            case .idle, .dialing, .stopped: return (nil, nil)
            }
        }
        scheduled?.cancel()
        if let channel { try? await channel.close() }
    }

    // MARK: - On the event loop

    private func connect() {
        let configuration = context.configuration
        let events = ConnectionEvents(
            established: { [self] _, channel in established(channel) },
            received: { [context] peer, message in context.inbox.deliver(.message(from: peer, message)) },
            writable: { [self] in drain() },
            closed: { [self] channel, reason in lost(channel, reason: reason) })
        let address: PeerAddress? = state.withLock { s in
            switch s.phase {
            case .idle, .waiting:
                s.phase = .dialing
                return s.address
            case .dialing, .opening, .ready, .stopped:
                return nil
            }
        }
        guard let address else { return }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self, context] channel in
                let stopped: Bool = state.withLock { s in
                    guard case .dialing = s.phase else { return true }
                    s.phase = .opening(channel)
                    return false
                }
                guard !stopped else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                }
                return channel.eventLoop.makeCompletedFuture {
                    try context.addHandlers(to: channel, role: .dialer(expecting: name), knownPeers: [name], events: events)
                }
            }
        bootstrap.connect(host: address.host, port: address.port).whenComplete { [self] result in
            switch result {
            case .success(let channel):
                let stopped: Bool = state.withLock { if case .stopped = $0.phase { true } else { false } }
                if stopped { channel.close(promise: nil) }
            case .failure(let error):
                lost(nil, reason: "cannot connect to \(address): \(error)")
            }
        }
    }

    private func established(_ channel: any Channel) {
        let fresh: Bool = state.withLock { s in
            guard case .opening(let current) = s.phase, current === channel else { return false }
            s.phase = .ready(channel)
            s.failures = 0
            s.drainScheduled = true
            return true
        }
        guard fresh else { return }
        logger.info("connected to \(name)")
        drain()
    }

    /// The connection (or the attempt) ended: report, and dial again after a wait.
    private func lost(_ channel: (any Channel)?, reason: String) {
        let outcome: (wasReady: Bool, delay: Duration)? = state.withLock { s in
            let wasReady: Bool
            switch s.phase {
            case .opening(let current) where channel == nil || current === channel: wasReady = false
            case .ready(let current) where current === channel: wasReady = true
            case .dialing where channel == nil: wasReady = false
            default: return nil
            }
            s.failures += 1
            s.chunks = nil
            s.drainScheduled = false
            let delay = context.reconnectDelay(afterFailures: s.failures)
            let scheduled = eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [self] in connect() }
            s.phase = .waiting(scheduled)
            return (wasReady, delay)
        }
        guard let outcome else { return }
        if outcome.wasReady {
            logger.warning("lost the connection to \(name) (\(reason)); dialing again in \(outcome.delay)")
        } else {
            logger.debug("no connection to \(name) (\(reason)); dialing again in \(outcome.delay)")
        }
        context.inbox.deliver(.unreachable(name))
    }

    /// Writes queued messages while the channel takes them.
    private func drain() {
        while true {
            let (channel, frames): ((any Channel)?, [Result<PeerFrame, PeerWireError>]) = state.withLock { s in
                guard case .ready(let channel) = s.phase, channel.isWritable else {
                    s.drainScheduled = false
                    return (nil, [])
                }
                var frames: [Result<PeerFrame, PeerWireError>] = []
                while frames.count < 64, let frame = s.nextFrame(frameBytesMax: context.configuration.frameBytesMax) {
                    frames.append(frame)
                }
                if frames.isEmpty { s.drainScheduled = false }
                return (channel, frames)
            }
            guard let channel, !frames.isEmpty else { return }
            for frame in frames { write(frame, to: channel) }
            channel.flush()
        }
    }

    private func write(_ frame: Result<PeerFrame, PeerWireError>, to channel: any Channel) {
        do throws(PeerWireError) {
            let bytes = try frame.get().encoded(frameBytesMax: context.configuration.frameBytesMax)
            channel.write(channel.allocator.buffer(bytes: bytes), promise: nil)
        } catch {
            logger.error("cannot send a message to \(name), dropped: \(error)")
            context.inbox.deliver(.unreachable(name))
        }
    }
}

extension OutboundPeer.State {
    /// The next frame to write: the rest of a snapshot first, then the oldest message.
    fileprivate mutating func nextFrame(frameBytesMax: Int) -> Result<PeerFrame, PeerWireError>? {
        if let chunk = chunks?.next() { return .success(.snapshotChunk(chunk)) }
        chunks = nil
        guard let message = queue.pop() else { return nil }
        guard case .raft(let raft) = message, case .installSnapshot(let snapshot) = raft.kind else {
            return .success(.message(message))
        }
        do throws(PeerWireError) {
            var chunker = try SnapshotChunker(
                from: raft.from, to: raft.to, term: raft.term, snapshot: snapshot, frameBytesMax: frameBytesMax)
            let first = chunker.next()
            chunks = chunker
            return first.map { .success(.snapshotChunk($0)) } ?? nextFrame(frameBytesMax: frameBytesMax)
        } catch {
            return .failure(error)
        }
    }
}
