/// The detailed outcome of a proposal (the lesson's `proposeWithResult`).
public struct ProposalResult: Sendable, Hashable {
    public struct Votes: Sendable, Hashable {
        public var `for`: Int
        public var against: Int
        public var total: Int

        public init(for: Int, against: Int, total: Int) {
            self.for = `for`
            self.against = against
            self.total = total
        }
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
    /// Why it was not accepted, for people (the lesson's field).
    public var error: String?
    /// Why it was not accepted, for programs: `nil` when accepted, or when the state machine
    /// itself answered (a failed compare-and-swap, a held lock: see ``result``). When set,
    /// ``ConsensusErrorCode/timeout`` is the only code whose change may still take effect.
    public var errorCode: ConsensusErrorCode?
    /// The log index of the entry, when it was committed.
    public var index: UInt64?
    /// What the state machine answered.
    public var result: OperationResult?

    public init(
        proposalID: String, accepted: Bool, key: String, value: ConsensusValue?, votes: Votes, quorumRequired: Int,
        error: String?, errorCode: ConsensusErrorCode? = nil, index: UInt64?, result: OperationResult?
    ) {
        self.proposalID = proposalID
        self.accepted = accepted
        self.key = key
        self.value = value
        self.votes = votes
        self.quorumRequired = quorumRequired
        self.error = error
        self.errorCode = errorCode
        self.index = index
        self.result = result
    }

    /// Whether the votes met the quorum.
    public var quorumMet: Bool { votes.for >= quorumRequired }

    /// Whether the change may still take effect (no answer in time). `false` with
    /// `accepted == false` means it never will.
    public var outcomeUnknown: Bool { errorCode == .timeout }
}
