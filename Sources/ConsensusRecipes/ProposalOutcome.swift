import Consensus

/// What the cluster answered to one proposed operation, as a recipe sees it: the state machine
/// answered, the proposal never reached the log, or nobody knows.
///
/// This is the input of the recipes' step machines (``UpdateLoop``, ``LockAcquisition``,
/// ``OptimisticView``): the async recipes build it from a ``ProposalResult``, and a simulator
/// builds it from what its simulated members did, so both drive the very same decisions.
public enum ProposalOutcome: Sendable, Hashable {
    /// The entry was committed at `index` and applied; this is the state machine's answer.
    case applied(OperationResult, index: UInt64)
    /// Refused before reaching the log (no quorum, overloaded, not encodable): nothing changed.
    case notApplied(String)
    /// Timed out or lost in a leader change: it may still be applied.
    case unknown(String)

    /// Classifies a runtime ``ProposalResult``.
    public init(_ result: ProposalResult) {
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

    /// The state machine's answer, or the ``RecipeError`` that a recipe throws when there is none
    /// (or when the state machine refused the operation).
    func answer(key: String) throws(RecipeError) -> (result: OperationResult, index: UInt64) {
        switch self {
        case .applied(.rejected(let reason), _): throw .rejected(key: key, reason: reason)
        case .applied(let result, let index): return (result, index)
        case .notApplied(let reason): throw .notApplied(key: key, reason: reason)
        case .unknown(let reason): throw .outcomeUnknown(key: key, reason: reason)
        }
    }
}

extension ConsensusTrait {
    /// Throws ``RecipeError/needsRaft(recipe:)`` unless this member runs the raft mechanism.
    nonisolated func requireRaft(_ recipe: String) throws(RecipeError) {
        if configuration.mechanism != .raft { throw .needsRaft(recipe: recipe) }
    }

    /// Submits `operation` and classifies what came of it; a thrown ``ConsensusError`` becomes
    /// ``ProposalOutcome/notApplied(_:)`` (refused up front) or ``ProposalOutcome/unknown(_:)``.
    func outcome(ofRecipe operation: StoreOperation) async -> ProposalOutcome {
        do {
            return ProposalOutcome(try await submit(operation))
        } catch {
            // `notRunning` (or a storage failure) is also what a call already in flight gets when
            // the node stops: the entry may be in the log, so the outcome is unknown.
            if case .unsupported = error { return .notApplied(error.description) }
            return .unknown(error.description)
        }
    }
}

/// Milliseconds on a monotonic clock since the moment it was created: the time the recipes'
/// step machines are fed in the async recipes.
struct RecipeClock: Sendable {
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init() { origin = clock.now }

    /// Whole milliseconds since creation.
    var now: Int64 { RecipeClock.milliseconds(clock.now - origin, atLeastOne: false) }

    /// The instant `milliseconds` after creation.
    func instant(_ milliseconds: Int64) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

    /// Whole milliseconds in `duration` (at least 1 when `atLeastOne`).
    static func milliseconds(_ duration: Duration, atLeastOne: Bool = true) -> Int64 {
        atLeastOne ? max(1, duration.wholeMilliseconds) : duration.wholeMilliseconds
    }
}
