import ConsensusCore
import ConsensusNetwork

/// How a member votes on simple-majority proposals.
public enum VotePolicy: Sendable {
    /// Vote for every proposal (the default).
    case acceptAll
    /// Hold proposals in ``ConsensusTrait/pendingProposals`` until ``ConsensusTrait/vote(_:accept:)``.
    case manual
    /// Vote for a proposal when the closure says so (key, proposed value; `nil` is a delete).
    case validate(@Sendable (String, ConsensusValue?) -> Bool)
}

/// A proposal waiting for this member's vote.
public struct PendingProposal: Sendable, Hashable {
    public var proposalID: String
    public var key: String
    public var value: ConsensusValue?
    public var proposer: String
}

/// The state of a member running the simple_majority mechanism.
struct MajorityState {
    struct Round {
        var tally: MajorityTally
        var write: MajorityWrite
        var value: ConsensusValue?
        var continuation: CheckedContinuation<ProposalResult, Never>
        var timer: Task<Void, Never>
    }

    struct Pending {
        var proposal: PendingProposal
        var proposer: NodeID
        var sequence: UInt64
    }

    var members: Set<NodeID>
    /// The accepted value of each key with the stamp that wrote it (`nil`: deleted).
    var values: [String: (value: ConsensusValue?, stamp: WriteStamp, sequence: UInt64)] = [:]
    var lamport: UInt64 = 0
    var rounds: [UInt64: Round] = [:]
    var pending: [String: Pending] = [:]
    var policy: VotePolicy = .acceptAll
}

extension MajorityWrite {
    /// The id shown to users: proposer (hex) and sequence, like ``ProposalID``.
    var proposalID: String { ProposalID(node: stamp.node, sequence: sequence).description }
}
