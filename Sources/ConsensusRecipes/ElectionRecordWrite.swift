import Consensus

/// The decisions of writing an election's leader record, as a pure step machine: a leader
/// publishes its record, or withdraws it when it resigns, and **a leader of an older term can
/// never overwrite the record of a newer one**.
///
/// Every write is a compare-and-swap from the exact record the machine last saw, and the machine
/// only asks for one when that record's token is not larger than the writer's own. The comparison
/// happens in the state machine at apply time, so the record a write replaces always has a token
/// at most the writer's: the stored token never goes down. A deposed leader that wakes up after
/// a newer leader published sees the larger token (in the failed comparison's answer) and stops
/// with ``Next/deposed(by:)``.
///
/// ```swift
/// var write = ElectionRecordWrite(key: "election/game", goal: .publish(me))
/// var next = write.start(current: node.versioned("election/game")?.value)
/// while case .write(let operation) = next {
///     next = write.answer(await node.outcome(ofRecipe: operation))
/// }
/// ```
public struct ElectionRecordWrite: Sendable, Hashable {
    /// What to write.
    public enum Goal: Sendable, Hashable {
        /// Store this leader's record (its election, or a new value for the same term).
        case publish(ElectionLeader)
        /// Remove this leader's record, if it is still the stored one (a resignation).
        case withdraw(ElectionLeader)
    }

    /// What to do next.
    public enum Next: Sendable, Hashable {
        /// Propose this compare-and-swap and pass its outcome to ``answer(_:)``.
        case write(StoreOperation)
        /// The record is as wanted (published, or no longer ours).
        case done
        /// A newer term's leader has published: nothing was written over it.
        case deposed(by: ElectionLeader)
        /// Give up: no answer, a refusal, or too many lost races.
        case failed(RecipeError)
    }

    /// The election's key.
    public let key: String
    /// What to write.
    public let goal: Goal
    /// The most compare-and-swaps to try (each lost race means another writer of the same or an
    /// older term wrote in between: rare).
    public let maxAttempts: Int
    /// Compare-and-swaps asked for so far.
    public private(set) var attempts = 0

    /// Creates the machine.
    public init(key: String, goal: Goal, maxAttempts: Int = 20) {
        self.key = key
        self.goal = goal
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Decides the first step from the stored record (a local read is fine: a stale one only
    /// costs a failed comparison).
    public mutating func start(current: ConsensusValue?) -> Next {
        let stored = ElectionLeader(record: current)
        switch goal {
        case .publish(let mine):
            if let stored, stored.token > mine.token { return .deposed(by: stored) }
            if current == mine.record { return .done }
            return swap(expected: current, new: mine.record, current: current)
        case .withdraw(let mine):
            guard let stored, stored.token == mine.token, stored.candidate == mine.candidate else { return .done }
            return swap(expected: current, new: nil, current: current)
        }
    }

    /// Decides what the answer to the last write means.
    public mutating func answer(_ outcome: ProposalOutcome) -> Next {
        let result: OperationResult
        do {
            result = try outcome.answer(key: key).result
        } catch {
            return .failed(error)
        }
        guard case .compareAndSwap(let succeeded, let current) = result else {
            return .failed(.rejected(key: key, reason: "unexpected answer \(result)"))
        }
        return succeeded ? .done : start(current: current)
    }

    private mutating func swap(expected: ConsensusValue?, new: ConsensusValue?, current: ConsensusValue?) -> Next {
        guard attempts < maxAttempts else {
            return .failed(.conflict(key: key, current: current, revision: 0, attempts: attempts))
        }
        attempts += 1
        return .write(.compareAndSwap(key: key, expected: expected, new: new))
    }
}
