import Consensus

/// The decisions of ``CompareAndSwap/update(_:_:)``, as a pure step machine: which swap to
/// propose, what an answer means, whether to try again. It does no I/O and reads no clock, so the
/// async recipe and the deterministic simulator drive the very same logic.
///
/// One round: ``propose(_:)`` the transform's result of ``old`` (the shell computes it), send the
/// returned compare-and-swap, and hand its answer to ``answer(_:)``:
///
/// ```swift
/// var loop = UpdateLoop(key: "visits", observed: localValue, maxAttempts: 20)
/// while true {
///     let operation = loop.propose(transform(loop.old))
///     switch loop.answer(try await send(operation)) {
///     case .finished(let updated): return updated
///     case .again(let attempt): try await Task.sleep(for: retry.backoff(afterAttempt: attempt))
///     case .failed(let error): throw error
///     }
/// }
/// ```
public struct UpdateLoop: Sendable, Hashable {
    /// The key being updated.
    public let key: String
    /// The most swaps to try.
    public let maxAttempts: Int
    /// The value the next transform must see: first the value observed at the start (possibly
    /// stale: that costs one lost swap, never a lost update), then the value that beat us.
    public private(set) var old: ConsensusValue?
    /// Swaps proposed so far.
    public private(set) var attempts = 0
    private var proposed: ConsensusValue?

    /// What to do after an answer.
    public enum Next: Sendable, Hashable {
        /// The swap won: done.
        case finished(CompareAndSwap.Updated)
        /// Another writer got there first: wait a backoff after attempt `afterAttempt`, then
        /// propose the transform of ``old`` (now the value that won).
        case again(afterAttempt: Int)
        /// Give up: every attempt lost (``RecipeError/conflict(key:current:revision:attempts:)``),
        /// or the answer was not a comparison at all (unknown outcome, refusal). An unknown
        /// outcome is never retried: the swap may have been applied, and the transform applied
        /// again on top of it would count twice.
        case failed(RecipeError)
    }

    /// Starts a loop.
    /// - Parameters:
    ///   - key: the key.
    ///   - observed: the value the first transform sees (`nil`: absent).
    ///   - maxAttempts: the most swaps (at least 1).
    public init(key: String, observed: ConsensusValue?, maxAttempts: Int) {
        self.key = key
        self.old = observed
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The compare-and-swap that installs `new` (the transform of ``old``) if the key still holds
    /// ``old``.
    public mutating func propose(_ new: ConsensusValue?) -> StoreOperation {
        attempts += 1
        proposed = new
        return .compareAndSwap(key: key, expected: old, new: new)
    }

    /// Decides what the answer to the last proposed swap means.
    public mutating func answer(_ outcome: ProposalOutcome) -> Next {
        let swapped: CompareAndSwap.Outcome
        do { swapped = try CompareAndSwap.outcome(of: outcome, key: key) } catch { return .failed(error) }
        return answer(swapped)
    }

    /// Decides what an already classified swap answer means (the async recipe refines a conflict's
    /// revision with a read before calling this).
    public mutating func answer(_ swapped: CompareAndSwap.Outcome) -> Next {
        switch swapped {
        case .swapped(let revision):
            return .finished(CompareAndSwap.Updated(old: old, new: proposed, revision: revision, attempts: attempts))
        case .conflict(let current, let revision):
            old = current
            if attempts >= maxAttempts {
                return .failed(.conflict(key: key, current: current, revision: revision, attempts: attempts))
            }
            return .again(afterAttempt: attempts)
        }
    }
}
