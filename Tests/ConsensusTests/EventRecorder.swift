import Consensus
import Synchronization

/// Records every event of some members, from the moment it is created until ``stop()``.
///
/// Create it before the members start so that the first election is recorded too.
final class EventRecorder: Sendable {
    private final class Log: Sendable {
        let entries = Mutex<[(node: String, event: ConsensusEvent)]>([])
    }

    private let log = Log()
    private let tasks: Mutex<[Task<Void, Never>]>

    init(_ nodes: [ConsensusTrait]) {
        var started: [Task<Void, Never>] = []
        let log = self.log
        for node in nodes {
            // `events` registers the listener now, synchronously: nothing after this line is missed.
            let stream = node.events
            let name = node.nodeID
            started.append(RuntimeExecutor.spawn {
                for await event in stream {
                    log.entries.withLock { $0.append((name, event)) }
                }
            })
        }
        tasks = Mutex(started)
    }

    deinit { stop() }

    /// Stops listening.
    func stop() {
        tasks.withLock { $0.forEach { $0.cancel() } }
    }

    /// The events `node` reported so far, in order.
    func events(of node: String) -> [ConsensusEvent] {
        log.entries.withLock { $0.filter { $0.node == node }.map(\.event) }
    }

    /// How many events `node` reported so far: a mark for `contains(_:_:since:)`.
    func count(of node: String) -> Int {
        events(of: node).count
    }

    /// Whether `node` reported an event matching `predicate` (after its first `since` events).
    func contains(_ node: String, since mark: Int = 0, where predicate: (ConsensusEvent) -> Bool) -> Bool {
        events(of: node).dropFirst(mark).contains(where: predicate)
    }

    /// Whether `node` reported exactly `event` (after its first `since` events).
    func contains(_ node: String, _ event: ConsensusEvent, since mark: Int = 0) -> Bool {
        events(of: node).dropFirst(mark).contains(event)
    }
}

/// A cluster of named members in virtual time (see `withCluster`), their events recorded from
/// before they start; always stopped.
func withRecordedCluster<T>(
    names: [String] = ["node-1", "node-2", "node-3"],
    configuration: ConsensusConfiguration = .fastRaft(), seed: UInt64 = 1,
    _ body: (LocalCluster, EventRecorder) async throws -> T
) async throws -> T {
    try await withVirtualTime { clock in
        let cluster = LocalCluster(names: names, configuration: configuration, seed: seed, clock: clock)
        let recorder = EventRecorder(await cluster.nodes)
        defer { recorder.stop() }
        do {
            try await cluster.start()
            let result = try await body(cluster, recorder)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }
}

extension LocalCluster {
    /// The running members other than `leader`.
    func followers(of leader: ConsensusTrait) async -> [ConsensusTrait] {
        var result: [ConsensusTrait] = []
        for node in nodes where node !== leader {
            if await node.isRunning { result.append(node) }
        }
        return result
    }

    /// Waits until every running member has applied `key` with value `value`.
    func waitUntilEveryMember(has key: String, _ value: ConsensusValue?, timeout: Duration = .seconds(15)) async -> Bool {
        let members = nodes
        return await waitUntil(timeout: timeout) {
            for node in members where await node.isRunning {
                guard (try? await node.value(key)) == value else { return false }
            }
            return true
        }
    }
}

/// Polls `condition` every 10 ms on `clock` (the test's virtual clock, if any) until it holds or
/// `timeout` passes (for code without a cluster).
func eventually(timeout: Duration = .seconds(15), clock: RuntimeClock = VirtualTime.runtimeClock,
                _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = clock.now() + timeout
    while clock.now() < deadline {
        if await condition() { return true }
        try? await clock.sleep(for: .milliseconds(10))
    }
    return await condition()
}

extension LocalCluster {
    /// Waits until a leader is elected and every running member follows it in the same term;
    /// returns it and that term. (A loaded machine may hold a new election right after the first.)
    func stableLeader(timeout: Duration = .seconds(15)) async throws -> (leader: ConsensusTrait, term: UInt64) {
        let deadline = clock.now() + timeout
        while clock.now() < deadline {
            let leader = try await waitForLeader(timeout: timeout)
            let state = await leader.debugState
            var agreed = state.role == .leader
            for node in nodes where agreed {
                let d = await node.debugState
                if d.running { agreed = d.leaderID == leader.nodeID && d.currentTerm == state.currentTerm }
            }
            if agreed { return (leader, state.currentTerm) }
            try? await clock.sleep(for: configuration.heartbeatInterval)
        }
        throw ConsensusError.timedOut
    }
}
