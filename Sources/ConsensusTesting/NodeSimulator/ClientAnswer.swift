import Consensus

/// What a member's answer to a client means for the client's history: a result, an outcome
/// nobody knows, or a refusal that promises the operation never takes effect. Shared by the node
/// simulator and the step mode.
enum ClientAnswer: Sendable, Hashable {
    /// The operation took effect (or read) with this output.
    case ok(ModelOutput)
    /// It may or may not take effect (a timeout, a member that stopped with a write in flight).
    case unknown
    /// It was refused before reaching the log: it never takes effect.
    case refused

    /// Interprets `result`, the answer to `request`.
    /// - Parameters:
    ///   - result: what the member answered.
    ///   - request: the request, for the error message.
    ///   - operation: the write asked for (`nil`: a read).
    ///   - readsCounter: the read is of a counter (its absent value reads 0).
    /// - Throws: a violation for an answer no client request can get (`done`, a result of the
    ///   wrong kind).
    static func of(_ result: Result<NodeResponse, ConsensusError>, to request: RequestID, operation: StoreOperation?,
                   readsCounter: Bool) throws(InvariantChecker.Violation) -> ClientAnswer {
        switch result {
        case .success(.value(let v, _)):
            let value = v?.value
            return .ok(readsCounter ? .counter(value?.intValue.map { Int64($0) } ?? 0) : .value(value?.description))
        case .success(.proposal(let p)):
            if let answer = p.result, let operation { return .ok(try Simulation.modelOutput(operation, answer)) }
            return p.outcomeUnknown ? .unknown : .refused
        case .success(.done):
            throw .init(property: "client", detail: "\(request) answered done")
        case .failure(let error):
            return error.mayHaveTakenEffect || operation != nil && error.code == .stopped ? .unknown : .refused
        }
    }
}
