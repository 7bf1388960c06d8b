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
    /// simple_majority: please vote on this proposal.
    case majorityPropose(MajorityWrite)
    /// simple_majority: a member's vote on the proposer's proposal `sequence`.
    case majorityVote(sequence: UInt64, accept: Bool)
    /// simple_majority: this write was accepted; apply it.
    case majorityCommit(MajorityWrite)
    /// simple_majority: a member that was away asks for every accepted write; the answer is a
    /// `majoritySync` with them.
    case majoritySyncRequest
    case majoritySync([MajorityWrite])
    /// simple_majority: the sender's view of the membership (name to address), with a version
    /// that grows with every change; a member adopts a higher version (ties: the larger set).
    case majorityMembers(version: UInt64, members: [String: String])

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
        case .ping, .pong, .majorityVote, .majoritySyncRequest, .majorityMembers:
            return 0
        case .majorityPropose(let w), .majorityCommit(let w):
            return w.value.count
        case .majoritySync(let writes):
            return writes.reduce(0) { $0 + $1.value.count }
        }
    }
}

/// One simple-majority write: `key` set to `value` (JSON bytes; empty: deleted), ordered by `stamp`.
public struct MajorityWrite: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    public var stamp: WriteStamp
    /// The proposer's sequence number for this proposal (with `stamp.node`, a unique id).
    public var sequence: UInt64

    public init(key: String, value: [UInt8], stamp: WriteStamp, sequence: UInt64) {
        self.key = key
        self.value = value
        self.stamp = stamp
        self.sequence = sequence
    }
}
