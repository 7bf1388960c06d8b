import Consensus

/// Compare-and-swap on one member, and the `update(key) { old in new }` loop built on it.
///
/// **Guarantee** (raft): the comparison happens inside the replicated state machine when the entry
/// is applied, so between the comparison and the write nobody else can write: each swap is atomic
/// and linearizable, and ``update(_:_:)`` loses no concurrent update. This is what the lesson's
/// `compareAndSwap` (read with `get`, compare on the client, then `propose`) is not: another writer
/// can slip in between its read and its propose, and both writers are told they won.
///
/// **Mechanism**: raft. With simple_majority every call throws ``RecipeError/needsRaft(recipe:)``.
///
/// ```swift
/// let cas = CompareAndSwap(on: node)
/// try await cas.swap("leader-of-round-3", expected: nil, new: "alice")   // create if absent
/// let next = try await cas.update("visits") { old in .int((old?.intValue ?? 0) + 1) }
/// ```
public struct CompareAndSwap: Sendable {
    /// The member proposals go through (any member; followers forward to the leader).
    public let node: ConsensusTrait
    /// How ``update(_:_:)`` retries a lost race.
    public var retry: RetryPolicy

    /// What a single swap did.
    public enum Outcome: Sendable, Hashable {
        /// The comparison held and the key now holds the new value (absent if the new value was
        /// `nil`); `revision` is the log index of the write.
        case swapped(revision: UInt64)
        /// The comparison failed and nothing was written. `current` and `revision` are the key's
        /// state on the answering member right after the failed comparison (revision 0: absent).
        case conflict(current: ConsensusValue?, revision: UInt64)

        /// Whether the swap happened.
        public var swapped: Bool {
            if case .swapped = self { return true }
            return false
        }
    }

    /// The result of ``update(_:_:)``.
    public struct Updated: Sendable, Hashable {
        /// The value the transform saw (`nil`: absent).
        public var old: ConsensusValue?
        /// The value written (`nil`: deleted).
        public var new: ConsensusValue?
        /// The log index of the winning write.
        public var revision: UInt64
        /// How many swaps it took (1: no contention).
        public var attempts: Int
    }

    /// Creates the helper.
    /// - Parameters:
    ///   - node: the member to propose through.
    ///   - retry: how ``update(_:_:)`` retries.
    public init(on node: ConsensusTrait, retry: RetryPolicy = .default) {
        self.node = node
        self.retry = retry
    }

    /// One atomic compare-and-swap: sets `key` to `new` only if it holds `expected` when the entry
    /// is applied.
    /// - Parameters:
    ///   - key: the key.
    ///   - expected: the value the key must hold; `nil` means it must be absent (create if absent).
    ///   - new: the value to write; `nil` deletes the key.
    /// - Returns: ``Outcome/swapped(revision:)`` or ``Outcome/conflict(current:revision:)``.
    /// - Throws: ``RecipeError/outcomeUnknown(key:reason:)`` on a timeout (the swap may have
    ///   happened), ``RecipeError/notApplied(key:reason:)``, ``RecipeError/rejected(key:reason:)``,
    ///   ``RecipeError/needsRaft(recipe:)``.
    @discardableResult
    public func swap(_ key: String, expected: ConsensusValue?, new: ConsensusValue?) async throws(RecipeError) -> Outcome {
        try node.requireRaft("compare-and-swap")
        let answer = await node.outcome(ofRecipe: .compareAndSwap(key: key, expected: expected, new: new))
        let outcome = try Self.outcome(of: answer, key: key)
        guard case .conflict(let current, _) = outcome else { return outcome }
        // Read value and revision together, at least as new as the failed comparison.
        let now = await node.versioned(key)
        return .conflict(current: now?.value ?? current, revision: now?.revision ?? 0)
    }

    /// What the answer to a proposed ``StoreOperation/compareAndSwap(key:expected:new:)`` means.
    /// A conflict carries the value the comparison saw and revision 0 (the answer has no revision).
    /// - Throws: ``RecipeError/outcomeUnknown(key:reason:)``, ``RecipeError/notApplied(key:reason:)``
    ///   or ``RecipeError/rejected(key:reason:)`` when there is no comparison result.
    public static func outcome(of answer: ProposalOutcome, key: String) throws(RecipeError) -> Outcome {
        switch try answer.answer(key: key) {
        // A key's revision is the log index of the entry that last wrote it.
        case (.compareAndSwap(true, _), let index): return .swapped(revision: index)
        case (.compareAndSwap(false, let current), _): return .conflict(current: current, revision: 0)
        case (let other, _): throw .rejected(key: key, reason: "unexpected answer \(other)")
        }
    }

    /// Reads `key`, computes its new value with `transform`, and swaps it in; if another writer
    /// got there first, waits a jittered backoff and tries again on the value that won, up to
    /// ``retry``'s limit. Each transform call sees one value the key really held; the one whose
    /// swap succeeds is applied exactly once.
    ///
    /// The first attempt starts from this member's local (possibly stale) value: a stale value
    /// only costs one failed swap, never a lost update.
    ///
    /// - Parameters:
    ///   - key: the key.
    ///   - transform: old value (`nil`: absent) to new value (`nil`: delete). It may be called
    ///     several times, so it should have no side effects.
    /// - Returns: what was written, at which revision, after how many attempts.
    /// - Throws: ``RecipeError/conflict(key:current:revision:attempts:)`` when every attempt lost;
    ///   ``RecipeError/outcomeUnknown(key:reason:)`` if an attempt timed out (it is not retried:
    ///   it may have been applied, and applying the transform again would count it twice);
    ///   whatever `transform` throws, wrapped as ``RecipeError/rejected(key:reason:)``.
    @discardableResult
    public func update(_ key: String, _ transform: (ConsensusValue?) throws -> ConsensusValue?) async throws(RecipeError) -> Updated {
        try node.requireRaft("update (compare-and-swap loop)")
        var loop = UpdateLoop(key: key, observed: await node.versioned(key)?.value, maxAttempts: retry.maxAttempts)
        while true {
            let new: ConsensusValue?
            do { new = try transform(loop.old) } catch { throw .rejected(key: key, reason: "the transform threw: \(error)") }
            let expected = loop.old
            _ = loop.propose(new)
            switch loop.answer(try await swap(key, expected: expected, new: new)) {
            case .finished(let updated): return updated
            case .failed(let error): throw error
            case .again(let attempt): try? await node.clock.sleep(for: retry.backoff(afterAttempt: attempt))
            }
        }
    }

    /// Creates `key` with `value` if it is absent (`swap(key, expected: nil, new: value)`).
    /// - Returns: whether it was created.
    @discardableResult
    public func create(_ key: String, _ value: ConsensusValue) async throws(RecipeError) -> Outcome {
        try await swap(key, expected: nil, new: value)
    }
}
