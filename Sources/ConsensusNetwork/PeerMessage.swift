import ConsensusCore

/// What one member sends another: Raft's own messages, and requests a follower forwards to the
/// leader on behalf of its clients.
public enum PeerMessage: Sendable, Hashable {
    case raft(Message)
    /// A client's command submitted on a follower, for the leader to propose. `command` is the
    /// encoded command (the runtime's format); the outcome reaches the follower through the log.
    case forward(command: [UInt8], hops: Int)
    /// Liveness probes between every pair of members (Raft followers never talk to each other,
    /// so without these a follower could not tell which peers it can reach).
    case ping(sequence: UInt64)
    case pong(sequence: UInt64)

    /// Bytes of entry and snapshot payload carried (what compression shrinks).
    public var payloadBytes: Int {
        switch self {
        case .raft(let m):
            switch m.kind {
            case let .append(_, _, entries, _): return entries.reduce(0) { $0 + $1.data.count }
            case let .installSnapshot(s): return s.data.count
            default: return 0
            }
        case .forward(let command, _):
            return command.count
        case .ping, .pong:
            return 0
        }
    }
}
