/// The stable code of a ``ConsensusError``: what a program (or the HTTP API, or a recipe) switches
/// on. The raw values are part of the public contract and never change spelling.
public enum ConsensusErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    /// No leader is known (an election is in progress, or this member is cut off).
    case noLeader
    /// This member knows it cannot reach a quorum: nothing was proposed.
    case noQuorum
    /// No answer in time: the change **may still take effect**.
    case timeout
    /// Only the leader does this; the error names the leader when known.
    case notLeader
    /// A bound was reached (pending proposals, reads, rounds): nothing was proposed.
    case overloaded
    /// The state machine or the mechanism refused the operation: nothing changed.
    case rejected
    /// The request itself is malformed (a reserved key, a value JSON cannot carry).
    case invalidArgument
    /// The member is not running (never started, stopped, or halted by a storage failure).
    case stopped
    /// The mechanism does not support the call (compare-and-swap on simple_majority, ...).
    case unsupported
    /// A membership change could not be made.
    case membership
    /// The member's storage failed; it halted.
    case storage
    /// A configuration value cannot work.
    case invalidConfiguration
}

/// Why a call on a ``ConsensusTrait`` failed.
///
/// Switch on ``code`` (stable) rather than on ``description`` (for people). ``mayHaveTakenEffect``
/// says whether the change can still happen: only a ``timedOut`` (and a node that stopped while
/// the call was in flight) leaves the outcome unknown; every other error is a definite refusal.
public enum ConsensusError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidConfiguration(field: String, reason: String)
    /// `start()` was not called, or `stop()` was.
    case notRunning
    /// Only the leader does this; `leader` is the member believed to lead, if any (`nil`: no
    /// leader known, code ``ConsensusErrorCode/noLeader``).
    case notLeader(leader: String?)
    /// No answer within the configured timeout. The proposal may still take effect.
    case timedOut
    /// The node cannot reach a quorum.
    case noQuorum
    /// Too many requests in flight; retry later. The proposal never reached the log.
    case overloaded
    /// The state machine refused the operation (nothing changed).
    case rejected(reason: String)
    /// The request is malformed (for example a key under the reserved `_cluster/` prefix).
    case invalidArgument(String)
    case membership(String)
    case storage(String)
    /// The mechanism does not support this call.
    case unsupported(String)

    /// The stable code.
    public var code: ConsensusErrorCode {
        switch self {
        case .invalidConfiguration: return .invalidConfiguration
        case .notRunning: return .stopped
        case .notLeader(nil): return .noLeader
        case .notLeader: return .notLeader
        case .timedOut: return .timeout
        case .noQuorum: return .noQuorum
        case .overloaded: return .overloaded
        case .rejected: return .rejected
        case .invalidArgument: return .invalidArgument
        case .membership: return .membership
        case .storage: return .storage
        case .unsupported: return .unsupported
        }
    }

    /// Whether the change this error answers may still take effect (the outcome is unknown).
    /// `false` is a promise: it never will.
    public var mayHaveTakenEffect: Bool { code == .timeout }

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid configuration: \(field) \(reason)"
        case .notRunning: return "the node is not running: call start() first"
        case .notLeader(let l): return "not the leader; the leader is \(l ?? "unknown (election in progress)")"
        case .timedOut: return "timed out; the proposal may or may not have taken effect"
        case .noQuorum: return "no quorum: a majority of the cluster is unreachable"
        case .overloaded: return "too many requests in flight; retry later"
        case .rejected(let r): return "rejected: \(r)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .membership(let m): return "membership change failed: \(m)"
        case .storage(let m): return "storage failure: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        }
    }
}
