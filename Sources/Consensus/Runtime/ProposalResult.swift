/// The detailed outcome of a proposal (the lesson's `proposeWithResult`).
public struct ProposalResult: Sendable, Hashable {
    public struct Votes: Sendable, Hashable {
        public var `for`: Int
        public var against: Int
        public var total: Int
    }

    public var proposalID: String
    /// Committed, applied, and (for conditional operations) the condition held.
    public var accepted: Bool
    public var key: String
    public var value: ConsensusValue?
    /// raft: `for` counts the voters known to store the entry when it was applied on the node
    /// that answers (on a follower, the quorum it must have reached); `total` is the voters.
    public var votes: Votes
    public var quorumRequired: Int
    public var error: String?
    /// The log index of the entry, when it was committed.
    public var index: UInt64?
    /// What the state machine answered.
    public var result: OperationResult?

    /// Whether the votes met the quorum.
    public var quorumMet: Bool { votes.for >= quorumRequired }
}
