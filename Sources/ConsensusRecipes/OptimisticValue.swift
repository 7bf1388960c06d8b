import Consensus
import ConsensusNetwork

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
    public var optimistic: ConsensusValue? { view.optimistic }
    /// The value the cluster agreed on, as applied by ``node`` (`nil`: absent).
    public var agreed: ConsensusValue? { view.agreed }
    /// Every rollback, as it happens.
    public nonisolated let rollbacks: AsyncStream<Rollback>

    /// A change that did not stick.
    public typealias Rollback = OptimisticView.Rollback
    /// Why a change was rolled back.
    public typealias Reason = OptimisticView.Reason
    /// What ``set(_:)`` came to.
    public typealias Outcome = OptimisticView.Outcome

    private var view: OptimisticView
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
        self.view = OptimisticView(key: key, agreed: read.value, at: read.appliedIndex)
        (self.rollbacks, self.rollbackSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1000))
        self.watcher = RuntimeExecutor.spawn { [weak self] in
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
        let change = view.begin(value)
        await takeTurn()
        let reason = await propose(change)
        await refreshAgreed()
        let outcome = view.finish(change, reason)
        passTurn()
        if case .rolledBack(let rollback) = outcome { rollbackSink.yield(rollback) }
        return outcome
    }

    /// Shows `transform(optimistic)` at once, then proposes it (see ``set(_:)``).
    @discardableResult
    public func update(_ transform: (ConsensusValue?) -> ConsensusValue?) async -> Outcome {
        await set(transform(optimistic))
    }

    /// Proposes `change`; returns why it did not stick, or `nil`.
    private func propose(_ change: OptimisticView.Change) async -> Reason? {
        if node.configuration.mechanism == .simpleMajority {
            do {
                let result = change.value == nil ? try await node.delete(key) : try await node.proposeWithResult(key, change.value!)
                if result.accepted { return nil }
                let reason = result.error ?? "not accepted"
                return result.outcomeUnknown ? .unknown(reason) : .rejected(reason)
            } catch {
                return error.mayHaveTakenEffect ? .unknown(error.description) : .rejected(error.description)
            }
        }
        return OptimisticView.reason(of: await node.outcome(ofRecipe: change.operation), key: key)
    }

    private func agreedMayHaveChanged() async {
        await refreshAgreed()
    }

    /// Takes the node's applied value if it is newer than the one we have.
    private func refreshAgreed() async {
        let read = await node.localRead(key)
        view.observe(read.value, at: read.appliedIndex)
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
