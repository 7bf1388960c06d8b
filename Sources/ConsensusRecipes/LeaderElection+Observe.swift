import Consensus
import ConsensusNetwork

extension LeaderElection {
    /// The published leader now, then every change: a new leader, a new value
    /// (``Leadership/proclaim(_:)``), `nil` when a leader resigns. Built on the member's change
    /// feed (``ConsensusTrait/changes(fromRevision:)``): read on this member (a follower may lag
    /// a little), in log order, never the same leader twice in a row.
    ///
    /// A term that lapses without resigning shows no change until the next leader publishes
    /// (as etcd's `Observe` reports leaders, not lapses); use ``leader()`` to ask whether the
    /// published leader still holds its term. The stream ends when the member stops or the
    /// caller stops iterating.
    ///
    /// ```swift
    /// for await leader in try election.observe() {
    ///     print(leader.map { "\($0.candidate) leads, term \($0.token)" } ?? "nobody leads")
    /// }
    /// ```
    /// - Throws: ``RecipeError/needsRaft(recipe:)`` with simple_majority (there is no log to follow).
    public func observe() throws(RecipeError) -> AsyncStream<ElectionLeader?> {
        try node.requireRaft("LeaderElection")
        let (stream, sink) = AsyncStream<ElectionLeader?>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let (node, key) = (self.node, self.key)
        let task = RuntimeExecutor.spawn {
            var last: ElectionLeader??
            func emit(_ record: ConsensusValue?) {
                let leader = ElectionLeader(record: record)
                guard last != .some(leader) else { return }
                last = .some(leader)
                sink.yield(leader)
            }
            // Start again from the current state whenever the feed ends (a reader that fell
            // behind); the check above hides what was already shown.
            while !Task.isCancelled, await node.isRunning {
                let current = await node.localRead(key)
                guard case .success(let feed) = await node.changes(fromRevision: current.appliedIndex + 1) else { continue }
                emit(current.value)
                for change in feed.replay where change.key == key { emit(change.value) }
                for await change in feed.live where change.key == key { emit(change.value) }
            }
            sink.finish()
        }
        sink.onTermination = { _ in task.cancel() }
        return stream
    }
}
