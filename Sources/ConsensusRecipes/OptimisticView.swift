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
    public var inFlight: Int { pending.count }
    /// The changes begun and not finished, oldest first, each with the change it was built on
    /// (0: built on the agreed value).
    private var pending: [Pending] = []
    /// How many changes were begun.
    private var begun = 0
    /// The change whose value the view shows (0: the agreed value).
    private var shown = 0
    /// Pending changes built, directly or not, on a change that was rolled back: they will be
    /// refused, so the view no longer shows them.
    private var withdrawn: Set<Int> = []

    /// A change to propose: a compare-and-swap from the value the view showed when it was made.
    public struct Change: Sendable, Hashable {
        /// The key.
        public var key: String
        /// What the view showed when the change was made.
        public var base: ConsensusValue?
        /// The new value (`nil`: delete).
        public var value: ConsensusValue?
        /// Its place among the view's changes (1 for the first).
        public internal(set) var sequence: Int = 0

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
        begun += 1
        var change = Change(key: key, base: optimistic, value: value)
        change.sequence = begun
        pending.append(Pending(change: change, builtOn: shown))
        shown = begun
        optimistic = value
        return change
    }

    /// A change in flight, and the change it was built on (0: the agreed value).
    private struct Pending: Sendable, Hashable {
        var change: Change
        var builtOn: Int
    }

    /// Shows the latest change in flight that can still stick, or the agreed value if none can.
    private mutating func showLatest() {
        let top = pending.last { !withdrawn.contains($0.change.sequence) }
        shown = top?.change.sequence ?? 0
        optimistic = top.map { $0.change.value } ?? agreed
    }

    /// The member applied `value` for the key at applied index `index` (older reads are ignored).
    public mutating func observe(_ value: ConsensusValue?, at index: UInt64) {
        guard index >= agreedIndex else { return }
        agreed = value
        agreedIndex = index
        showLatest()
    }

    /// The answer to `change` is in: `reason` is `nil` if it stuck. Observe the member's value
    /// first, so that a rollback restores the newest agreed value.
    public mutating func finish(_ change: Change, _ reason: Reason?) -> Outcome {
        guard let at = pending.firstIndex(where: { $0.change.sequence == change.sequence }) else {
            preconditionFailure("finishing a change that was not begun, or finished twice")
        }
        pending.remove(at: at)
        withdrawn.remove(change.sequence)
        guard let reason else {
            showLatest()
            return .kept
        }
        // The changes built on this one (directly or not) will be refused too: stop showing them.
        // A change begun on the agreed value, or on a change that can still stick, stays shown.
        var gone: Set<Int> = [change.sequence]
        for p in pending where gone.contains(p.builtOn) || withdrawn.contains(p.builtOn) {
            gone.insert(p.change.sequence)
            withdrawn.insert(p.change.sequence)
        }
        showLatest()
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
