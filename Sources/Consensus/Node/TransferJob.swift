/// A leadership transfer a client asked for, waiting to be decided (see
/// `NodeStateMachine.advanceTransferJob()`).
struct TransferJob: Sendable {
    var request: RequestID
    /// The member that should lead.
    var target: String
    /// When the transfer is given up without an answer from the cluster.
    var deadline: Duration
}
