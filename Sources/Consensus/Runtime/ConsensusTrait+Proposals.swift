import ConsensusCore

/// Proposals: `propose`, `proposeWithResult`, and the operations behind the primitives. Any
/// member accepts them; followers forward them to the leader.
extension ConsensusTrait {
    /// Proposes `key = value`. Returns `true` when it was committed and applied, `false` when it
    /// was refused and **never will** take effect (no quorum, overloaded, rejected).
    ///
    /// Unlike the lesson's `propose`, which returns `false` for a timeout too, an unknown outcome
    /// throws ``ConsensusError/timedOut``: the write may still be applied, and a `false` must not
    /// tempt anyone to assume otherwise.
    @discardableResult
    public func propose(_ key: String, _ value: ConsensusValue) async throws(ConsensusError) -> Bool {
        let result = try await proposeWithResult(key, value)
        if result.outcomeUnknown { throw .timedOut }
        return result.accepted
    }

    /// Proposes `key = value` for any `Encodable` value.
    @discardableResult
    public func propose(_ key: String, encoding value: some Encodable & Sendable) async throws(ConsensusError) -> Bool {
        let v: ConsensusValue
        do { v = try ConsensusValue(encoding: value) } catch { throw .invalidArgument("cannot encode the value: \(error)") }
        return try await propose(key, v)
    }

    /// Proposes `key = value` and reports the details: proposal id, votes, quorum, error.
    /// A refusal or a timeout is reported in the result (`accepted == false`, ``ProposalResult/errorCode``
    /// set; ``ProposalResult/outcomeUnknown`` for a timeout), not thrown; only calling a node that
    /// is not running throws.
    public func proposeWithResult(_ key: String, _ value: ConsensusValue) async throws(ConsensusError) -> ProposalResult {
        try await submit(.put(key: key, value: value))
    }

    /// Deletes `key` through consensus.
    @discardableResult
    public func delete(_ key: String) async throws(ConsensusError) -> ProposalResult {
        try await submit(.delete(key: key))
    }

    /// Atomic compare-and-swap, decided by the state machine when the entry is applied: sets
    /// `key` to `new` only if its value is `expected` at that moment (`nil`: absent / delete).
    public func compareAndSwap(_ key: String, expected: ConsensusValue?, new: ConsensusValue?) async throws(ConsensusError) -> ProposalResult {
        try await submit(.compareAndSwap(key: key, expected: expected, new: new))
    }

    /// Proposes any state machine operation (transactions, locks, counters).
    ///
    /// Throws ``ConsensusError/notRunning`` on a member that is not running (nothing was sent),
    /// ``ConsensusError/unsupported(_:)`` for an operation the mechanism cannot order; every other
    /// outcome is in the result.
    public func submit(_ operation: StoreOperation) async throws(ConsensusError) -> ProposalResult {
        switch await call(.propose(operation)) {
        case .success(.proposal(let result)):
            // A call in flight when the member stopped: the entry may be in the log.
            if result.errorCode == .stopped { throw ConsensusError.notRunning }
            return result
        case .success: throw .rejected(reason: "unexpected answer")
        case .failure(let error): throw error
        }
    }
}
