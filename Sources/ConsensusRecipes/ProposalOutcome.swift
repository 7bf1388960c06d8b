import Consensus
import ConsensusNetwork

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
    /// Timed out, or the member stopped while it was in flight: it may still be applied.
    case unknown(String)

    /// Classifies a runtime ``ProposalResult`` by its ``ProposalResult/errorCode`` (never by its
    /// text, which is for people).
    ///
    /// - A state machine answer is ``applied(_:index:)``, even a refusal (a failed comparison, a
    ///   held lock): the entry is in the log.
    /// - ``ConsensusErrorCode/timeout``: ``unknown(_:)``; the entry may be in the log and may
    ///   still be applied.
    /// - ``ConsensusErrorCode/stopped`` and ``ConsensusErrorCode/storage``: ``unknown(_:)``; the
    ///   member stopped or halted while the proposal was in flight, possibly after forwarding or
    ///   appending it.
    /// - Every other code is a refusal before the log, so ``notApplied(_:)``:
    ///   ``ConsensusErrorCode/noQuorum`` (this member knows it is cut off),
    ///   ``ConsensusErrorCode/overloaded`` (a bound was reached), ``ConsensusErrorCode/invalidArgument``
    ///   (a reserved key, a command that cannot be encoded), ``ConsensusErrorCode/rejected`` (the
    ///   raft core refused the batch), ``ConsensusErrorCode/unsupported`` (the mechanism cannot
    ///   order it), ``ConsensusErrorCode/noLeader`` and ``ConsensusErrorCode/notLeader`` (refused
    ///   rather than forwarded), ``ConsensusErrorCode/membership`` and
    ///   ``ConsensusErrorCode/invalidConfiguration`` (not proposal errors; refusals if they come).
    /// - No answer and no code: ``unknown(_:)`` ("no answer"), since nothing says it was refused.
    public init(_ result: ProposalResult) {
        if let answer = result.result {
            self = .applied(answer, index: result.index ?? 0)
            return
        }
        let reason = result.error ?? result.errorCode?.rawValue ?? "no answer"
        guard let code = result.errorCode else {
            self = .unknown(reason)
            return
        }
        self = Self.mayHaveTakenEffect(code) ? .unknown(reason) : .notApplied(reason)
    }

    /// Whether an error with `code`, answered to a proposal this member accepted, leaves the
    /// change possible: a timeout, or a member that stopped or halted while it was in flight.
    /// The switch is exhaustive on purpose: a new code needs a decision here.
    static func mayHaveTakenEffect(_ code: ConsensusErrorCode) -> Bool {
        switch code {
        case .timeout, .stopped, .storage:
            return true
        case .noQuorum, .overloaded, .invalidArgument, .rejected, .unsupported, .noLeader, .notLeader,
             .membership, .invalidConfiguration:
            return false
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

    /// Submits `operation` and classifies what came of it (see ``ProposalOutcome/init(_:)``).
    ///
    /// A member that is not running sends nothing, so the call is ``ProposalOutcome/notApplied(_:)``.
    /// A thrown ``ConsensusError`` is classified by its ``ConsensusError/code`` like a result's:
    /// ``ConsensusError/notRunning`` thrown once the call was accepted means the member stopped
    /// while it was in flight, and the entry may be in the log: ``ProposalOutcome/unknown(_:)``.
    func outcome(ofRecipe operation: StoreOperation) async -> ProposalOutcome {
        guard isRunning else { return .notApplied(ConsensusError.notRunning.description) }
        do {
            return ProposalOutcome(try await submit(operation))
        } catch {
            return ProposalOutcome.mayHaveTakenEffect(error.code) ? .unknown(error.description) : .notApplied(error.description)
        }
    }
}

/// Milliseconds on a member's clock (``ConsensusTrait/clock``) since the moment this was
/// created: the time the recipes' step machines are fed in the async recipes. On the member's
/// clock, not the wall clock, so that a recipe and its member agree on time (and a test in
/// virtual time runs both on one).
struct RecipeClock: Sendable {
    private let clock: RuntimeClock
    /// The member's clock reading at creation: ``now`` counts from here.
    let origin: Duration

    init(_ clock: RuntimeClock) {
        self.clock = clock
        origin = clock.now()
    }

    /// Whole milliseconds since creation.
    var now: Int64 { RecipeClock.milliseconds(clock.now() - origin, atLeastOne: false) }

    /// Suspends until `milliseconds` after creation.
    func sleep(untilMilliseconds milliseconds: Int64) async throws {
        try await clock.sleep(until: origin + .milliseconds(milliseconds))
    }

    /// Suspends for `duration`.
    func sleep(for duration: Duration) async throws { try await clock.sleep(for: duration) }

    /// Whole milliseconds in `duration` (at least 1 when `atLeastOne`).
    static func milliseconds(_ duration: Duration, atLeastOne: Bool = true) -> Int64 {
        atLeastOne ? max(1, duration.wholeMilliseconds) : duration.wholeMilliseconds
    }
}
