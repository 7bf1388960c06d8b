import ConsensusCore
import Synchronization

/// A network inside one process for embedding many nodes: each endpoint registers a handler,
/// and messages reach it in order, one at a time, with optional faults (drop, duplicate, delay,
/// partitions). Faults draw from a seeded generator.
public final class InMemoryNetwork: Sendable {
    /// How a message is treated on its way.
    public struct Faults: Sendable, Hashable {
        /// Probability that a message is lost.
        public var drop: Double = 0
        /// Probability that a message is delivered twice.
        public var duplicate: Double = 0
        /// Each message waits a random time in this range (milliseconds) before delivery.
        public var delayMilliseconds: ClosedRange<Int> = 0...0

        public init(drop: Double = 0, duplicate: Double = 0, delayMilliseconds: ClosedRange<Int> = 0...0) {
            self.drop = drop
            self.duplicate = duplicate
            self.delayMilliseconds = delayMilliseconds
        }
    }

    /// Counters, for tests and the REPL.
    public struct Statistics: Sendable, Hashable {
        public var sent = 0
        public var delivered = 0
        public var dropped = 0
        public var payloadBytes = 0
        /// AppendEntries messages that carried at least one entry.
        public var appendsWithEntries = 0
    }

    public typealias Handler = @Sendable (_ from: NodeID, _ message: PeerMessage) async -> Void

    private struct State {
        var endpoints: [NodeID: AsyncStream<(NodeID, PeerMessage)>.Continuation] = [:]
        var tasks: [NodeID: Task<Void, Never>] = [:]
        var cut: Set<Link> = []
        var down: Set<NodeID> = []
        var faults = Faults()
        var random: SplitMix64
        var stats = Statistics()
    }

    private struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    private let state: Mutex<State>
    /// Messages waiting for one member (its inbound queue; every sender's outbound queue to it).
    /// Beyond it a send reports ``PeerSendResult/queueFull`` and the message is dropped.
    public let queueMax: Int
    /// The clock that times delayed deliveries (``Faults/delayMilliseconds``).
    public let clock: RuntimeClock

    public init(seed: UInt64 = 1, faults: Faults = Faults(), queueMax: Int = 100_000, clock: RuntimeClock = .continuous) {
        self.queueMax = max(1, queueMax)
        self.clock = clock
        var s = State(random: SplitMix64(seed: seed))
        s.faults = faults
        state = Mutex(s)
    }

    deinit {
        state.withLock { s in
            for c in s.endpoints.values { c.finish() }
            for t in s.tasks.values { t.cancel() }
        }
    }

    /// Connects `id`: messages sent to it are handed to `handler`, in order, one at a time.
    /// Registering again replaces the previous handler.
    public func register(_ id: NodeID, handler: @escaping Handler) {
        let (stream, continuation) = AsyncStream<(NodeID, PeerMessage)>.makeStream(bufferingPolicy: .bufferingOldest(queueMax))
        let task = RuntimeExecutor.spawn {
            for await (from, message) in stream { await handler(from, message) }
        }
        state.withLock { s in
            s.endpoints[id]?.finish()
            s.tasks[id]?.cancel()
            s.endpoints[id] = continuation
            s.tasks[id] = task
            s.down.remove(id)
        }
    }

    /// Disconnects `id`: messages to it are dropped until it registers again.
    public func unregister(_ id: NodeID) {
        state.withLock { s in
            s.endpoints[id]?.finish()
            s.endpoints[id] = nil
            s.tasks[id] = nil
        }
    }

    /// Sends a message; it is delivered later, or lost.
    public func send(from: NodeID, to: NodeID, _ message: PeerMessage) {
        _ = deliver(from: from, to: to, message)
    }

    private func deliver(from: NodeID, to: NodeID, _ message: PeerMessage) -> PeerSendResult {
        let plan: (deliveries: Int, delay: Int, target: AsyncStream<(NodeID, PeerMessage)>.Continuation?) = state.withLock { s in
            s.stats.sent += 1
            s.stats.payloadBytes += message.payloadBytes
            if case .raft(let m) = message, case let .append(_, _, entries, _) = m.kind, !entries.isEmpty {
                s.stats.appendsWithEntries += 1
            }
            guard let target = s.endpoints[to], !s.cut.contains(Link(from: from, to: to)),
                  !s.down.contains(from), !s.down.contains(to) else {
                s.stats.dropped += 1
                return (-1, 0, nil)
            }
            if s.random.chance(s.faults.drop) {
                s.stats.dropped += 1
                return (0, 0, nil)
            }
            let copies = s.random.chance(s.faults.duplicate) ? 2 : 1
            let delay = Int.random(in: s.faults.delayMilliseconds, using: &s.random)
            s.stats.delivered += copies
            return (copies, delay, target)
        }
        // A link that is cut or a member that is down: unreachable. A random loss is silent,
        // as on a real network.
        guard let target = plan.target else { return plan.deliveries < 0 ? .unreachable : .queued }
        if plan.delay == 0 {
            for _ in 0..<plan.deliveries {
                if case .dropped = target.yield((from, message)) {
                    state.withLock { $0.stats.dropped += 1 }
                    return .queueFull
                }
            }
        } else {
            let copies = plan.deliveries
            let clock = self.clock
            RuntimeExecutor.spawn {
                try? await clock.sleep(for: .milliseconds(plan.delay))
                for _ in 0..<copies { target.yield((from, message)) }
            }
        }
        return .queued
    }

    // MARK: - Faults

    public var faults: Faults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    public var statistics: Statistics { state.withLock { $0.stats } }

    /// Cuts every link between the groups (both directions); links inside a group stay.
    public func partition(_ groups: [Set<NodeID>]) {
        state.withLock { s in
            for (i, a) in groups.enumerated() {
                for b in groups[(i + 1)...] {
                    for x in a { for y in b {
                        s.cut.insert(Link(from: x, to: y))
                        s.cut.insert(Link(from: y, to: x))
                    } }
                }
            }
        }
    }

    /// Cuts every link of `id`.
    public func isolate(_ id: NodeID) {
        state.withLock { s in
            for other in s.endpoints.keys where other != id {
                s.cut.insert(Link(from: id, to: other))
                s.cut.insert(Link(from: other, to: id))
            }
        }
    }

    /// Cuts one direction of one link.
    public func cut(from: NodeID, to: NodeID) {
        state.withLock { _ = $0.cut.insert(Link(from: from, to: to)) }
    }

    /// Restores every link.
    public func heal() {
        state.withLock { $0.cut = [] }
    }

    /// Whether messages currently flow from `from` to `to`.
    public func isConnected(from: NodeID, to: NodeID) -> Bool {
        state.withLock { !$0.cut.contains(Link(from: from, to: to)) && !$0.down.contains(from) && !$0.down.contains(to) }
    }
}

extension InMemoryNetwork: PeerTransport {
    /// Sends by member name (see ``memberID(_:)``).
    public func send(from: String, to: String, _ message: PeerMessage) -> PeerSendResult {
        deliver(from: memberID(from), to: memberID(to), message)
    }
}
