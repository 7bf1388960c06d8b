import ConsensusCore
import ConsensusNetwork
import ConsensusStorage
import CoreMetrics

/// One member of a consensus cluster: the lesson's `ConsensusTrait`, in Swift.
///
/// ```swift
/// let node = ConsensusTrait(nodeID: "node-001", configuration: .raft())
/// node.setMessageSender { to, message in network.send(to, message) }
/// try await node.start()
/// let accepted = try await node.propose("config", ["maxPlayers": 10])
/// let config = try await node.get("config", as: [String: Int].self)
/// ```
///
/// The actor is a shell around a ``NodeStateMachine``, which holds every decision: it feeds the
/// machine inputs (client calls, peers' messages from ``handleMessage(from:_:)``, ticks of its
/// clock, the end of storage writes) and performs the machine's directives in one exhaustive
/// `switch`: it writes to ``Storage`` (off Swift's cooperative pool, one write at a time, so a
/// batch of entries costs one fsync), sends through whatever ``setMessageSender(_:)`` provides,
/// answers the waiting calls and publishes events. (A store whose writes never block, such as
/// ``MemoryStorage``, is written in place.)
public actor ConsensusTrait {
    /// This node's name.
    public nonisolated let nodeID: String
    public nonisolated let configuration: ConsensusConfiguration
    nonisolated let hub: EventHub

    let storage: any Storage
    /// The clock that drives this member's ticks and deadlines (the recipes time their leases
    /// and back-offs on it too).
    public nonisolated let clock: RuntimeClock
    let metrics: NodeMetrics
    var machine: NodeStateMachine
    var sender: (@Sendable (String, PeerMessage) -> Void)?
    var transport: (any PeerTransport)?
    var tickTask: Task<Void, Never>?
    var wakeTask: Task<Void, Never>?
    var wakeAt: Duration?
    var writer: StorageWriter?
    /// Bumped on every start and stop, so that a write finishing late is not mistaken for one of
    /// the next run's.
    var generation: UInt64 = 0
    var nextRequest: UInt64 = 0
    /// How many of the machine's recorded changes the watchers have been given.
    var publishedChanges: UInt64 = 0
    /// The latest revision the watchers were given.
    var publishedRevision: UInt64 = 0
    var waiting: [RequestID: CheckedContinuation<Result<NodeResponse, ConsensusError>, Never>] = [:]

    /// Set when storage failed: the node stopped and says why.
    public var failure: ConsensusError? { machine.failure }

    /// Creates a member. Nothing happens until ``start()``.
    ///
    /// - Parameters:
    ///   - nodeID: this member's name, unique in the cluster.
    ///   - configuration: mechanism, timing and bounds; checked by ``start()``.
    ///   - storage: where hard state, log and snapshots live (default: in memory).
    ///   - clock: the clock that drives ticks and deadlines (default: the monotonic
    ///     `ContinuousClock`; tests may pass a manual clock).
    ///   - metrics: where proposals by outcome and storage write latency are reported
    ///     (swift-metrics; default: the process's `MetricsSystem`, a no-op until bootstrapped).
    public init(nodeID: String, configuration: ConsensusConfiguration = .raft(), storage: any Storage = MemoryStorage(),
                clock: any Clock<Duration> = ContinuousClock(), metrics: any MetricsFactory = MetricsSystem.factory) {
        self.nodeID = nodeID
        self.configuration = configuration
        self.storage = storage
        self.clock = RuntimeClock(clock)
        self.metrics = NodeMetrics(nodeID: nodeID, factory: metrics)
        self.hub = EventHub(bufferMax: configuration.limits.eventBufferMax)
        self.machine = NodeStateMachine(nodeID: nodeID, configuration: configuration,
                                        seed: configuration.seed ?? UInt64.random(in: 1...UInt64.max))
    }

    // MARK: - Lifecycle

    /// Starts the node: restores it from storage, or founds/joins a cluster per
    /// ``ConsensusConfiguration/bootstrap``, and starts its clock.
    public func start() async throws(ConsensusError) {
        guard !isRunning else { return }
        try configuration.validate()
        var restored: PersistentState?
        if configuration.mechanism == .raft {
            let storage = self.storage
            do {
                let load = { @Sendable in try storage.hasState() ? storage.load() : nil }
                // A store that never blocks is read in place (no thread hop, nothing for a
                // virtual-time test to wait on outside its executor).
                restored = try await storage.writesBlock ? StorageWriter.run(load) : load()
            } catch {
                throw .storage("cannot load state: \(error)")
            }
        }
        generation += 1
        let writer = StorageWriter(storage: storage, metrics: metrics)
        self.writer = writer
        let generation = self.generation
        writer.start { [weak self] outcome in await self?.storageDone(outcome, generation: generation) }
        feed(.start(restored))
        if let error = machine.failure { throw error }
        startClock()
    }

    private func startClock() {
        let interval = configuration.tickInterval
        let clock = self.clock
        tickTask = RuntimeExecutor.spawn { [weak self] in
            // A tick never comes early: a sleep cut short by cancellation ends the loop.
            while true {
                do { try await clock.sleep(for: interval) } catch { return }
                await self?.feed(.tick)
            }
        }
    }

    /// Stops the node: its clock stops, waiting calls fail with ``ConsensusError/notRunning``.
    /// Its storage is kept, so ``start()`` brings it back with its log and state.
    public func stop() async {
        tickTask?.cancel()
        tickTask = nil
        wakeTask?.cancel()
        wakeTask = nil
        wakeAt = nil
        feed(.stop)
        generation += 1
        // Let the writes already handed to storage finish before anyone restarts on it.
        if let writer {
            self.writer = nil
            await writer.finish()
        }
    }

    /// Whether the node is running.
    public var isRunning: Bool { machine.isRunning }

    // MARK: - Transport (the lesson's setMessageSender / handleMessage)

    /// Sets how this node sends a message to a peer (by name). Any transport works: the in-memory
    /// network, TCP, a game engine's channel.
    public func setMessageSender(_ sender: @escaping @Sendable (_ to: String, _ message: PeerMessage) -> Void) {
        self.sender = sender
        transport = nil
    }

    /// Sends through `transport`; a send it cannot queue is reported to the member
    /// (``reportUnreachable(_:)``). Replaces any sender set before.
    public func setTransport(_ transport: any PeerTransport) {
        self.transport = transport
        sender = nil
    }

    /// Hands the node a message a peer sent it.
    public func handleMessage(from: String, _ message: PeerMessage) {
        feed(.message(from: from, message))
    }

    /// Tells the node that a message to `peer` could not be delivered (etcd's `ReportUnreachable`).
    public func reportUnreachable(_ peer: String) {
        feed(.sendFailed(to: peer))
    }

    // MARK: - The shell

    /// Feeds one input to the machine and performs what it asks.
    func feed(_ input: NodeInput) {
        // Iteratively: performing can produce inputs of its own (a write done in place, a send
        // the transport refused).
        var inputs = [input]
        while !inputs.isEmpty {
            let next = inputs.removeFirst()
            inputs += perform(machine.handle(next, at: clock.now()))
        }
        publishChanges()
    }

    /// Performs directives, in order. The only place the shell acts; it decides nothing.
    private func perform(_ directives: [NodeDirective]) -> [NodeInput] {
        var followUps: [NodeInput] = []
        for directive in directives {
            switch directive {
            case .persist(let batch):
                if storage.writesBlock, let writer, !writer.writesInPlace(batch) {
                    writer.submit(.persist(batch))
                } else if storage.writesBlock && writer == nil {
                    // Stopped: nothing more reaches the store.
                } else {
                    do {
                        try storage.persist(hardState: batch.hardState, entries: batch.entries, snapshot: batch.snapshot, mustSync: batch.mustSync)
                        followUps.append(.persisted)
                    } catch {
                        followUps.append(.storageFailed("cannot persist: \(error); the node stopped"))
                    }
                }
            case .saveSnapshot(let snapshot):
                if storage.writesBlock {
                    writer?.submit(.saveSnapshot(snapshot))
                } else {
                    do { try storage.saveSnapshot(snapshot) } catch {
                        followUps.append(.storageFailed("cannot save a snapshot: \(error); the node stopped"))
                    }
                }
            case let .send(to, message):
                if let transport {
                    if transport.send(from: nodeID, to: to, message) != .queued { followUps.append(.sendFailed(to: to)) }
                } else {
                    sender?(to, message)
                }
            case let .answer(id, result):
                waiting.removeValue(forKey: id)?.resume(returning: result)
            case .emit(let event):
                hub.emit(event)
            case .wakeUp(let delay):
                scheduleWakeUp(after: delay)
            case .halted:
                tickTask?.cancel()
                tickTask = nil
            }
        }
        return followUps
    }

    private func storageDone(_ outcome: StorageWriter.Outcome, generation: UInt64) {
        guard generation == self.generation else { return }
        switch outcome {
        case .persisted: feed(.persisted)
        case .snapshotSaved: break
        case .failed(let reason): feed(.storageFailed(reason))
        }
    }

    private func scheduleWakeUp(after delay: Duration) {
        let at = clock.now() + delay
        if let wakeAt, wakeAt <= at, wakeTask != nil { return }
        wakeTask?.cancel()
        wakeAt = at
        let clock = self.clock
        wakeTask = RuntimeExecutor.spawn { [weak self] in
            do { try await clock.sleep(for: delay) } catch { return }
            await self?.wokeUp()
        }
    }

    private func wokeUp() {
        wakeTask = nil
        wakeAt = nil
        feed(.wakeUp)
    }

    /// Sends `request` to the machine and waits for its answer.
    func call(_ request: NodeRequest) async -> Result<NodeResponse, ConsensusError> {
        nextRequest += 1
        let id = RequestID(nextRequest)
        let result = await withCheckedContinuation { continuation in
            waiting[id] = continuation
            feed(.request(id, request))
        }
        if case .propose = request { metrics.proposal(result) }
        return result
    }
}
