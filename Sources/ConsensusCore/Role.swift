/// What a node is doing right now (§5.1, plus the pre-candidate of pre-vote).
public enum Role: String, Sendable, Hashable, CustomStringConvertible {
    case follower
    case preCandidate = "pre-candidate"
    case candidate
    case leader

    public var description: String { rawValue }
}

/// The volatile state worth reporting when it changes: who leads, and our role.
public struct SoftState: Sendable, Hashable, CustomStringConvertible {
    public var role: Role
    public var leader: NodeID?
    public var term: Term

    public var description: String {
        "\(role) term=\(term) leader=\(leader.map(String.init) ?? "none")"
    }
}

/// The answer to a ReadIndex request (§6.4): once the application has applied `index`, a read
/// tagged `context` observes every write that completed before the request.
public struct ReadState: Sendable, Hashable {
    public var context: UInt64
    public var index: LogIndex

    public init(context: UInt64, index: LogIndex) {
        self.context = context
        self.index = index
    }
}

/// Why the core refused a request.
public enum RaftError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Only the leader accepts this; `leader` is who we think leads, if anyone.
    case notLeader(leader: NodeID?)
    /// A leadership transfer is under way; try again shortly.
    case transferInProgress
    /// Too many uncommitted entries or pending reads; slow down.
    case overloaded
    /// A membership change is still uncommitted, or this leader has not committed an entry in
    /// its term yet; only one change at a time is allowed.
    case configChangeInProgress
    case invalidConfigChange(ConfigChangeError)
    /// The node is not a voter of the current configuration.
    case notAVoter(NodeID)

    public var description: String {
        switch self {
        case .notLeader(let l): return "not the leader (leader: \(l.map(String.init) ?? "unknown"))"
        case .transferInProgress: return "a leadership transfer is in progress"
        case .overloaded: return "too many requests in flight"
        case .configChangeInProgress: return "another membership change is in progress"
        case .invalidConfigChange(let e): return "invalid membership change: \(e)"
        case .notAVoter(let id): return "node \(id) is not a voter"
        }
    }
}
