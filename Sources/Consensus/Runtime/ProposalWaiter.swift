/// A call waiting for its proposal to be applied (or to fail).
struct ProposalWaiter: Sendable {
    /// Kept so that the proposal can be sent again to a new leader (it takes effect once).
    let command: Command
    let continuation: CheckedContinuation<Result<ProposalResult, ConsensusError>, Never>
    let timeout: Task<Void, Never>

    func finish(_ result: Result<ProposalResult, ConsensusError>) {
        timeout.cancel()
        continuation.resume(returning: result)
    }
}
