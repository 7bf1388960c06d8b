import ConsensusCore

/// What a node reports as it happens, one case per event of the lesson.
public enum ConsensusEvent: Sendable, Hashable {
    /// `leader:elected`: this node learned that `leader` leads `term`.
    case leaderElected(leader: String, term: UInt64)
    /// `state:changed`: an applied entry changed `key`.
    case stateChanged(key: String, newValue: ConsensusValue?, oldValue: ConsensusValue?)
    /// `node:unreachable`: nothing heard from this peer within `unreachableAfter`.
    case nodeUnreachable(String)
    /// `node:reconnected`: a peer that was unreachable was heard from again.
    case nodeReconnected(String)
    /// `partition:detected`: some members are unreachable.
    case partitionDetected(PartitionInfo)
    /// `partition:healed`: every member is reachable again.
    case partitionHealed
    /// `vote:requested`: a candidate asked this node for its vote.
    case voteRequested(from: String, term: UInt64)
    /// `vote:granted`: this node voted for a candidate.
    case voteGranted(to: String, term: UInt64)
    /// This node refused its vote to a candidate, and why (already voted, follows a leader,
    /// stale log, newer term, leader lease). Not one of the lesson's events: it is what `why`
    /// explains elections with.
    case voteRefused(to: String, term: UInt64, reason: String)
    /// `log:appended`: an entry was appended to this node's log (`key` for commands that have one).
    case logAppended(term: UInt64, index: UInt64, key: String?)
    /// `consensus:accepted`: a proposal was committed and applied on this node.
    case consensusAccepted(ProposalResult)
}

/// Which side of a partition this node is on, and who it can and cannot reach.
public struct PartitionInfo: Sendable, Hashable {
    public enum Side: String, Sendable, Hashable {
        case majority, minority
    }

    public var side: Side
    public var reachable: [String]
    public var unreachable: [String]
}
