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
