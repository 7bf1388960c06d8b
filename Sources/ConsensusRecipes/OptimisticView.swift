import Consensus

/// The bookkeeping of ``OptimisticValue``, as a pure value: what to show, what was agreed, which
/// change to propose and what a rollback restores. It does no I/O, so the actor and the
/// deterministic simulator run the very same logic.
///
/// Use: ``begin(_:)`` a change (the view shows it at once) and propose the returned
/// ``Change/operation``; feed every value the member applies to ``observe(_:at:)``; when the
/// proposal's answer is in, ``finish(_:_:)`` with ``reason(of:key:)`` of that answer.
public struct OptimisticView: Sendable, Hashable {
    /// The key the view follows.
    public let key: String
    /// What to show: the agreed value with the in-flight changes on top.
    public private(set) var optimistic: ConsensusValue?
    /// The value agreed by the cluster, as applied on the member the view follows.
    public private(set) var agreed: ConsensusValue?
    /// The applied index ``agreed`` was read at.
    public private(set) var agreedIndex: UInt64
    /// Changes begun and not finished.
    public private(set) var inFlight = 0

    /// A change to propose: a compare-and-swap from the value the view showed when it was made.
    public struct Change: Sendable, Hashable {
        /// The key.
        public var key: String
        /// What the view showed when the change was made.
        public var base: ConsensusValue?
        /// The new value (`nil`: delete).
        public var value: ConsensusValue?

        /// The operation to propose: a change built on a stale value must not overwrite a newer one.
        public var operation: StoreOperation { .compareAndSwap(key: key, expected: base, new: value) }
    }

    /// A change that did not stick.
    public struct Rollback: Sendable, Hashable {
        /// The value that was shown optimistically and then withdrawn.
        public var attempted: ConsensusValue?
        /// The agreed value the view went back to.
        public var restored: ConsensusValue?
        /// Why.
        public var reason: Reason
    }

    /// Why a change was rolled back.
    public enum Reason: Sendable, Hashable {
        /// Another writer changed the key first; it held `current` when the change was applied.
        case conflict(current: ConsensusValue?)
        /// The proposal was refused (no quorum, vote lost, state machine refusal...).
        case rejected(String)
        /// No answer: the change may still be applied later, in which case ``agreed`` (and, with
        /// no change in flight, ``optimistic``) will show it.
        case unknown(String)
    }

    /// What a change came to.
    public enum Outcome: Sendable, Hashable {
        /// The change was agreed.
        case kept
        /// The change was withdrawn.
        case rolledBack(Rollback)
    }

    /// A view showing `agreed`, read at applied index `index`.
    public init(key: String, agreed: ConsensusValue?, at index: UInt64) {
        self.key = key
        self.agreed = agreed
        self.optimistic = agreed
        self.agreedIndex = index
    }

    /// Shows `value` at once and returns the change to propose, built on what the view showed.
    public mutating func begin(_ value: ConsensusValue?) -> Change {
        let change = Change(key: key, base: optimistic, value: value)
        optimistic = value
        inFlight += 1
        return change
    }

    /// The member applied `value` for the key at applied index `index` (older reads are ignored).
    public mutating func observe(_ value: ConsensusValue?, at index: UInt64) {
        guard index >= agreedIndex else { return }
        agreed = value
        agreedIndex = index
        if inFlight == 0 { optimistic = agreed }
    }

    /// The answer to `change` is in: `reason` is `nil` if it stuck. Observe the member's value
    /// first, so that a rollback restores the newest agreed value.
    public mutating func finish(_ change: Change, _ reason: Reason?) -> Outcome {
        precondition(inFlight > 0, "finishing a change that was not begun")
        inFlight -= 1
        guard let reason else {
            if inFlight == 0 { optimistic = agreed }
            return .kept
        }
        // Changes still in flight were built on the withdrawn value and will be refused too.
        optimistic = agreed
        return .rolledBack(Rollback(attempted: change.value, restored: agreed, reason: reason))
    }

    /// Why the answer to a change's compare-and-swap means a rollback, or `nil` if it stuck.
    public static func reason(of outcome: ProposalOutcome, key: String) -> Reason? {
        do {
            switch try CompareAndSwap.outcome(of: outcome, key: key) {
            case .swapped: return nil
            case .conflict(let current, _): return .conflict(current: current)
            }
        } catch {
            if case .outcomeUnknown = error { return .unknown(error.description) }
            return .rejected(error.description)
        }
    }
}
