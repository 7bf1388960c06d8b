import Consensus

/// What a ``ProposalResult`` means for a recipe: the state machine answered, the proposal never
/// reached the log, or nobody knows.
enum ProposalOutcome {
    /// The entry was committed at `index` and applied; this is the state machine's answer.
    case applied(OperationResult, index: UInt64)
    /// Refused before reaching the log (no quorum, overloaded, not encodable): nothing changed.
    case notApplied(String)
    /// Timed out or lost in a leader change: it may still be applied.
    case unknown(String)

    init(_ result: ProposalResult) {
        if let answer = result.result {
            self = .applied(answer, index: result.index ?? 0)
            return
        }
        let reason = result.error ?? "no answer"
        // Only these errors are raised before the command is handed to the log.
        let refusedEarly = [ConsensusError.noQuorum, .overloaded].map(\.description)
        if refusedEarly.contains(reason) || reason.hasPrefix("rejected: cannot encode") {
            self = .notApplied(reason)
        } else {
            self = .unknown(reason)
        }
    }
}

extension ConsensusTrait {
    /// Throws ``RecipeError/needsRaft(recipe:)`` unless this member runs the raft mechanism.
    nonisolated func requireRaft(_ recipe: String) throws(RecipeError) {
        if configuration.mechanism != .raft { throw .needsRaft(recipe: recipe) }
    }

    /// Submits `operation`, turning a thrown ``ConsensusError`` into a ``RecipeError``.
    func submitForRecipe(_ operation: StoreOperation, key: String) async throws(RecipeError) -> ProposalOutcome {
        do {
            return ProposalOutcome(try await submit(operation))
        } catch {
            // `notRunning` (or a storage failure) is also what a call already in flight gets when
            // the node stops: the entry may be in the log, so the outcome is unknown.
            if case .unsupported = error { throw .notApplied(key: key, reason: error.description) }
            throw .outcomeUnknown(key: key, reason: error.description)
        }
    }
}
