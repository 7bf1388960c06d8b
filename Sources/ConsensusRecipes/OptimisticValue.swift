import Consensus

/// An optimistic view of one key: a change shows at once (``optimistic``), is proposed, and if
/// it is refused or loses to a conflicting writer the view rolls back to the agreed value and
/// the rollback is reported on ``rollbacks``. The lesson's "Optimistic Updates", made safe.
///
/// **Guarantees** (raft): each change is proposed as a compare-and-swap against the value it was
/// made on, so a change built on a stale value never overwrites a newer write: it is refused and
/// rolled back. ``agreed`` only ever moves forward along this member's applied log. When no
/// change is in flight, ``optimistic`` equals ``agreed``. Changes made through one
/// `OptimisticValue` are proposed one at a time, in the order they were made.
///
/// **With simple_majority**: changes are proposed as plain puts. A change the vote refuses (or
/// that times out) is rolled back and reported, but conflicts are **not** detected: concurrent
/// writers are resolved last-writer-wins, so a change may be accepted and later overwritten,
/// which shows as a change of ``agreed`` rather than a rollback.
///
/// ```swift
/// let color = await OptimisticValue("color", on: node)
/// Task { for await r in color.rollbacks { print("rolled back to", r.restored as Any) } }
/// await color.set("red")             // the view shows red at once
/// ```
public actor OptimisticValue {
    /// The key this view follows.
    public nonisolated let key: String
    /// The member it proposes through and follows.
    public nonisolated let node: ConsensusTrait
    /// What to show: the agreed value with this view's in-flight changes on top.
    public private(set) var optimistic: ConsensusValue?
    /// The value the cluster agreed on, as applied by ``node`` (`nil`: absent).
    public private(set) var agreed: ConsensusValue?
    /// Every rollback, as it happens.
    public nonisolated let rollbacks: AsyncStream<Rollback>

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

    /// What ``set(_:)`` came to.
    public enum Outcome: Sendable, Hashable {
        /// The change was agreed.
        case kept
        /// The change was withdrawn.
        case rolledBack(Rollback)
    }

    private var agreedIndex: UInt64
    private var inFlight = 0
    private var proposing = false
    private var turnQueue: [CheckedContinuation<Void, Never>] = []
    private let rollbackSink: AsyncStream<Rollback>.Continuation
    private var watcher: Task<Void, Never>?

    /// Starts following `key` on `node`, from its current local value.
    public init(_ key: String, on node: ConsensusTrait) async {
        self.key = key
        self.node = node
        let updates = node.subscribe(key)
        let read = await node.localRead(key)
        self.agreed = read.value
        self.optimistic = read.value
        self.agreedIndex = read.appliedIndex
        (self.rollbacks, self.rollbackSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1000))
        self.watcher = Task { [weak self] in
            for await _ in updates {
                guard let self else { return }
                await self.agreedMayHaveChanged()
            }
        }
    }

    deinit {
        watcher?.cancel()
        rollbackSink.finish()
    }

    /// Stops following the key and ends ``rollbacks``.
    public func stop() {
        watcher?.cancel()
        watcher = nil
        rollbackSink.finish()
    }

    /// Shows `value` at once, then proposes it. Returns when the cluster has decided.
    /// - Parameter value: the new value (`nil`: delete the key).
    /// - Returns: ``Outcome/kept``, or ``Outcome/rolledBack(_:)`` (also sent on ``rollbacks``).
    @discardableResult
    public func set(_ value: ConsensusValue?) async -> Outcome {
        let base = optimistic
        optimistic = value
        inFlight += 1
        await takeTurn()
        let reason = await propose(value, over: base)
        await refreshAgreed()
        inFlight -= 1
        passTurn()
        guard let reason else {
            if inFlight == 0 { optimistic = agreed }
            return .kept
        }
        // Changes still in flight were built on the withdrawn value and will be refused too.
        optimistic = agreed
        let rollback = Rollback(attempted: value, restored: agreed, reason: reason)
        rollbackSink.yield(rollback)
        return .rolledBack(rollback)
    }

    /// Shows `transform(optimistic)` at once, then proposes it (see ``set(_:)``).
    @discardableResult
    public func update(_ transform: (ConsensusValue?) -> ConsensusValue?) async -> Outcome {
        await set(transform(optimistic))
    }

    /// Proposes `value` as a change of `base`; returns why it did not stick, or `nil`.
    private func propose(_ value: ConsensusValue?, over base: ConsensusValue?) async -> Reason? {
        if node.configuration.mechanism == .simpleMajority {
            do {
                let result = value == nil ? try await node.delete(key) : try await node.proposeWithResult(key, value!)
                return result.accepted ? nil : .rejected(result.error ?? "not accepted")
            } catch {
                return .rejected(error.description)
            }
        }
        do {
            switch try await CompareAndSwap(on: node).swap(key, expected: base, new: value) {
            case .swapped: return nil
            case .conflict(let current, _): return .conflict(current: current)
            }
        } catch {
            if case .outcomeUnknown = error { return .unknown(error.description) }
            return .rejected(error.description)
        }
    }

    private func agreedMayHaveChanged() async {
        await refreshAgreed()
        if inFlight == 0 { optimistic = agreed }
    }

    /// Takes the node's applied value if it is newer than the one we have.
    private func refreshAgreed() async {
        let read = await node.localRead(key)
        if read.appliedIndex >= agreedIndex {
            agreed = read.value
            agreedIndex = read.appliedIndex
        }
    }

    /// Waits until no other change of this view is being proposed.
    private func takeTurn() async {
        if proposing {
            await withCheckedContinuation { turnQueue.append($0) }
        } else {
            proposing = true
        }
    }

    /// Hands the turn to the next change, in call order.
    private func passTurn() {
        if turnQueue.isEmpty {
            proposing = false
        } else {
            turnQueue.removeFirst().resume()
        }
    }
}
