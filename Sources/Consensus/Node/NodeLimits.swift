/// The bound on every queue of a member. What happens past each one is documented and typed:
/// nothing grows without limit, and nothing is dropped silently.
public struct NodeLimits: Sendable, Hashable {
    /// Proposals waiting for their outcome on one member (its own clients'). Beyond it a
    /// proposal is answered ``ConsensusError/overloaded`` at once, a promise that it never
    /// reached the log. At most 4,096: exactly-once keeps the last 4,096 proposal numbers of each
    /// member, so no more than that may be in flight from one member (a re-sent proposal older
    /// than the window would be taken for one already applied).
    public var pendingProposalsMax = 4_096
    /// Linearizable reads waiting for their read point. Beyond it: ``ConsensusError/overloaded``.
    public var pendingReadsMax = 10_000
    /// simple_majority: this member's open rounds (beyond: ``ConsensusError/overloaded``), and
    /// proposals held for a manual vote (beyond: the member votes no).
    public var majorityRoundsMax = 1_000
    /// Commands in one batch (with `batchUpdates`): a full batch is proposed at once.
    public var batchEntriesMax = 1_024
    /// How many times a proposal may be forwarded between members looking for the leader.
    public var forwardHopsMax = 3
    /// Inputs kept while a write is being persisted. Beyond it, requests are answered
    /// ``ConsensusError/overloaded`` and peer messages are dropped (Raft re-sends what is lost).
    public var deferredInputsMax = 10_000
    /// Events buffered for each subscriber of ``ConsensusTrait/events`` and
    /// ``ConsensusTrait/subscribe(_:)``. A subscriber that falls further behind loses the
    /// oldest events (and ``ConsensusTrait/droppedEvents`` counts them).
    public var eventBufferMax = 10_000
    /// Changes of user keys kept for watches from a past revision (raft). A watch from a
    /// revision older than those kept is refused (`compacted`), never answered with a gap.
    public var changeHistoryMax = 10_000

    public init() {}

    /// The first bad field and why, or `nil`.
    func validationError() -> (String, String)? {
        let fields = [("pendingProposalsMax", pendingProposalsMax), ("pendingReadsMax", pendingReadsMax),
                      ("majorityRoundsMax", majorityRoundsMax), ("batchEntriesMax", batchEntriesMax),
                      ("forwardHopsMax", forwardHopsMax), ("deferredInputsMax", deferredInputsMax),
                      ("eventBufferMax", eventBufferMax), ("changeHistoryMax", changeHistoryMax)]
        for (name, value) in fields where value < 1 { return (name, "must be at least 1 (got \(value))") }
        if UInt64(pendingProposalsMax) > ProposalWindow.capacity {
            return ("pendingProposalsMax", "must be at most \(ProposalWindow.capacity), the exactly-once window of each member (got \(pendingProposalsMax))")
        }
        return nil
    }
}
