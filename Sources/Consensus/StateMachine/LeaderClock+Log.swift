import ConsensusCore

extension LeaderClock {
    /// The largest stamp (``Command/time``) among the commands in `entries`, or 0 if none
    /// carries a command.
    ///
    /// A new leader starts counting from the larger of its applied store's clock and the latest
    /// stamp in the rest of its log (``lead(from:)``). Those entries were all stamped before it
    /// took office, so starting from them keeps the safety argument of ``LeaderClock``; starting
    /// lower would make its first stamps older than entries it has yet to apply, and its fresh
    /// lock requests would look stale (``KeyValueStore`` refuses a request whose TTL is over in
    /// store time by the time it is applied).
    ///
    /// Stamps never go back along a log (every leader starts from the latest stamp in its own),
    /// so the search goes backwards and stops at the first command: one decode, as a rule.
    public static func latestStamp(in entries: [Entry]) -> Int64 {
        for e in entries.reversed() where e.kind == .normal {
            if let command = try? CommandCodec.decode(e.data) { return command.time }
        }
        return 0
    }

    /// Where a member that takes office starts counting: its applied store's clock, or a later
    /// stamp among the entries of its log it has not applied yet (``latestStamp(in:)``).
    /// - Parameters:
    ///   - store: the member's applied state machine.
    ///   - raft: the member's core (its log).
    public static func latestKnownStamp(store: KeyValueStore, raft: Raft) -> Int64 {
        guard raft.lastIndex > store.appliedIndex else { return store.clock }
        return max(store.clock, latestStamp(in: raft.entries(in: (store.appliedIndex + 1)...raft.lastIndex)))
    }
}
