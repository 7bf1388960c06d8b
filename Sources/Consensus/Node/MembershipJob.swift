import ConsensusCore

/// A membership change in progress on the leader (raft): the steps of ``NodeRequest/addNode(_:)``
/// and ``NodeRequest/removeNode(_:)``, advanced by ticks and applied entries.
struct MembershipJob: Sendable {
    enum Step: Sendable {
        /// Waiting for the member record (name, address, metadata) to be applied.
        case recording(ProposalID)
        /// Proposing a configuration change (again on every tick while another one is in progress).
        case proposing(ConfigChange)
        /// Waiting for the configuration change at `index` to be applied.
        case applying(ConfigChange, index: LogIndex)
        /// Waiting for the learner to answer the leader and catch up with the log.
        case catchingUp(NodeID)
    }

    var request: RequestID
    var target: NodeInfo
    var step: Step
    /// When the job gives up (``ConsensusError/membership(_:)``).
    var deadline: Duration
    /// Adding (then promoting) or removing.
    var adding: Bool
}
