/// A call waiting for its proposal to be applied (or to fail).
struct ProposalWaiter: Sendable {
    let continuation: CheckedContinuation<Result<ProposalResult, ConsensusError>, Never>
    let timeout: Task<Void, Never>

    func finish(_ result: Result<ProposalResult, ConsensusError>) {
        timeout.cancel()
        continuation.resume(returning: result)
    }
}
