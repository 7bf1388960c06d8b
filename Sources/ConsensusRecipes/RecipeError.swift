import Consensus

/// Why a recipe gave up. Every case says whether the change may have happened.
public enum RecipeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The recipe needs a total order of writes (compare-and-swap, locks, counters are decided by
    /// the Raft state machine at apply time); `simple_majority` has none. Nothing was proposed.
    case needsRaft(recipe: String)
    /// A compare-and-swap loop lost every one of its `attempts`. Nothing was written by this call.
    /// `current` and `revision` are the key's state on the answering member right after the last
    /// failed comparison (revision 0: absent).
    case conflict(key: String, current: ConsensusValue?, revision: UInt64, attempts: Int)
    /// The proposal timed out or lost its leader: it **may or may not** have been applied. The
    /// recipe does not retry, because a retry could apply a non-idempotent change twice.
    case outcomeUnknown(key: String, reason: String)
    /// The proposal was refused before it reached the log (no quorum on this side of a
    /// partition, overloaded...). Nothing changed.
    case notApplied(key: String, reason: String)
    /// The state machine refused the operation (for example a counter on a non-integer key).
    /// Nothing changed.
    case rejected(key: String, reason: String)
    /// No grant of our own came in time: someone else held the lock until the wait ended, or our
    /// grant came back too late to use and was released. Nothing is held.
    case lockNotAcquired(name: String, waited: Duration)
    /// A renewal was refused: the grant with this token lapsed and the lock may now belong to
    /// someone else. Writes carrying this token will be refused by a ``FencedResource``.
    case lockLost(name: String, token: UInt64)
    /// ``LeaderElection/campaign(value:wait:)`` was not elected before its wait ended: another
    /// candidate led all along. Nothing is held.
    case notElected(election: String, waited: Duration)
    /// The leadership of the term with this token is over: its lease lapsed (a renewal was
    /// refused), or a leader with a larger token has published. Writes carrying this token will
    /// be refused by a ``FencedResource`` once the newer leader has written.
    case leadershipLost(election: String, token: UInt64)

    public var description: String {
        switch self {
        case .needsRaft(let recipe):
            return "\(recipe) needs the raft mechanism: simple_majority has no total order of writes, so it cannot decide a compare-and-swap, a lock or a counter atomically"
        case let .conflict(key, current, revision, attempts):
            return "compare-and-swap on \(key.debugDescription) lost \(attempts) times; the current value is \(current.map(\.description) ?? "absent") at revision \(revision)"
        case let .outcomeUnknown(key, reason):
            return "the change to \(key.debugDescription) may or may not have been applied (\(reason)); read it before deciding what to do"
        case let .notApplied(key, reason):
            return "the change to \(key.debugDescription) was not applied: \(reason)"
        case let .rejected(key, reason):
            return "the state machine refused the change to \(key.debugDescription): \(reason)"
        case let .lockNotAcquired(name, waited):
            return "lock \(name.debugDescription) was not acquired in time (waited \(waited)): someone else held it, or our grant came back too late to use and was released"
        case let .lockLost(name, token):
            return "lock \(name.debugDescription) was lost: the grant with token \(token) lapsed or was taken over"
        case let .notElected(election, waited):
            return "election \(election.debugDescription) was not won in time (waited \(waited)): another candidate led"
        case let .leadershipLost(election, token):
            return "leadership of election \(election.debugDescription) with token \(token) is over: its lease lapsed or a newer leader was elected"
        }
    }
}
