/// Why a call on a ``ConsensusTrait`` failed.
public enum ConsensusError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidConfiguration(field: String, reason: String)
    /// `start()` was not called, or `stop()` was.
    case notRunning
    /// Only the leader does this; `leader` is the member believed to lead, if any.
    case notLeader(leader: String?)
    /// No answer within the configured timeout. The proposal may still take effect.
    case timedOut
    /// The node cannot reach a quorum.
    case noQuorum
    /// Too many requests in flight; retry later.
    case overloaded
    /// The state machine refused the operation (nothing changed).
    case rejected(reason: String)
    case membership(String)
    case storage(String)
    /// The mechanism does not support this call.
    case unsupported(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid configuration: \(field) \(reason)"
        case .notRunning: return "the node is not running: call start() first"
        case .notLeader(let l): return "not the leader; the leader is \(l ?? "unknown (election in progress)")"
        case .timedOut: return "timed out; the proposal may or may not have taken effect"
        case .noQuorum: return "no quorum: a majority of the cluster is unreachable"
        case .overloaded: return "too many requests in flight; retry later"
        case .rejected(let r): return "rejected: \(r)"
        case .membership(let m): return "membership change failed: \(m)"
        case .storage(let m): return "storage failure: \(m)"
        case .unsupported(let m): return "unsupported: \(m)"
        }
    }
}
