/// Tunables of one Raft node. Time is counted in ticks: the caller decides how long a tick is.
public struct RaftOptions: Sendable, Hashable {
    /// A leader sends heartbeats every `heartbeatTicks`.
    public var heartbeatTicks: Int = 1
    /// A follower that hears no leader for a random number of ticks in this range starts an
    /// election (§5.2). The lower bound is also the leader lease and the check-quorum period.
    public var electionTicksMin: Int = 10
    public var electionTicksMax: Int = 20
    /// Ask for votes in a pre-vote round first, so a node that was partitioned away does not
    /// disrupt the cluster with a higher term when it comes back (§9.6 of the dissertation).
    public var preVote: Bool = true
    /// A leader that has not heard from a majority within `electionTicksMin` steps down, and
    /// followers that heard a leader recently ignore vote requests (§6.2 of the dissertation).
    public var checkQuorum: Bool = true
    /// Appends in flight to one follower before the leader waits for acknowledgements.
    public var maxInflightMessages: Int = 256
    /// Bytes of entries in one AppendEntries (at least one entry is always sent).
    public var maxBytesPerMessage: Int = 1 << 20
    /// Bytes of committed entries handed to the application in one batch of work.
    public var maxApplyBytesPerReady: Int = 64 << 20
    /// Proposals are refused while this many entries are appended but not committed.
    public var maxUncommittedEntries: Int = 100_000
    /// ReadIndex requests waiting at the leader before new ones are refused.
    public var maxPendingReads: Int = 4096

    public init() {}

    /// A message naming the first invalid field, or `nil` when the options are usable.
    public func validationError() -> String? {
        if heartbeatTicks < 1 { return "heartbeatTicks must be at least 1 (got \(heartbeatTicks))" }
        if electionTicksMin <= heartbeatTicks {
            return "electionTicksMin (\(electionTicksMin)) must be greater than heartbeatTicks (\(heartbeatTicks))"
        }
        if electionTicksMax < electionTicksMin {
            return "electionTicksMax (\(electionTicksMax)) must be at least electionTicksMin (\(electionTicksMin))"
        }
        if maxInflightMessages < 1 { return "maxInflightMessages must be at least 1" }
        if maxBytesPerMessage < 1 { return "maxBytesPerMessage must be at least 1" }
        if maxApplyBytesPerReady < 1 { return "maxApplyBytesPerReady must be at least 1" }
        if maxUncommittedEntries < 1 { return "maxUncommittedEntries must be at least 1" }
        if maxPendingReads < 1 { return "maxPendingReads must be at least 1" }
        return nil
    }
}
