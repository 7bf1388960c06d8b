import Consensus
import ConsensusCore
import ConsensusRecipes

/// What the simulated clients run when ``SimulationOptions/recipes`` is set: the recipes' own
/// step machines (``UpdateLoop``, ``OptimisticView``, ``LockAcquisition`` and ``LockLease``,
/// ``AtomicCounter/operation(_:)``, ``Fence``), fed by simulated members under the seed's faults,
/// or the lesson's flawed versions of two of them, to show what the checkers catch.
public enum RecipeWorkload: String, Sendable, Hashable, CaseIterable {
    /// `update(key) { old in old + 1 }` loops on two keys: every attempt is a compare-and-swap.
    case casUpdates
    /// Optimistic views of one key, each change proposed as a compare-and-swap from what the view
    /// showed, rolled back on conflict.
    case optimistic
    /// Lock contenders: acquire (some waiting), write to a fenced resource with the token, renew,
    /// release; some are paused past their TTL and write once on waking.
    case locks
    /// Atomic counters: adds and all-or-nothing batches on two counters.
    case counters
    /// The lesson's compare-and-swap: read locally, compare on the client, then an unconditional
    /// put. Loses updates.
    case racyCAS
    /// The lesson's lock: read locally, and if free put `{holder, expires}` unconditionally,
    /// trusting the holder's clock. Gives two holders.
    case unconditionalLock
}

/// One simulated client's recipe state.
struct RecipeClient: Sendable {
    /// The tick before which the client does not act (a backoff, or a pause).
    var wakeAt: UInt64 = 0
    var update: UpdateLoop?
    var view: OptimisticView?
    /// The change being proposed, and those begun after it, waiting their turn.
    var change: OptimisticView.Change?
    var queued: [OptimisticView.Change] = []
    var acquisition: LockAcquisition?
    var lease: LockLease?
    /// When the current belief of holding began (history time).
    var beliefFrom: Int64 = 0
    /// Set while paused holding a lock: on waking it writes once without checking.
    var pausedWithLease = false
    var renewSentAt: Int64?
    var releasing = false
    var deltas: [String: Int64]?
    /// The lesson's lock: the grant id and the expiry the client believes (its own clock).
    var naiveLock: (id: UInt64, expires: Int64)?
    var naivePending: (id: UInt64, expires: Int64)?
}

/// What the recipe clients did, checked at the end of the run.
struct RecipeLedger: Sendable {
    /// Counter-like changes (CAS increments, counter adds and batches) with their outcomes.
    var changes: [CounterChange] = []
    var beliefs = LockBeliefChecker()
    var fence = Fence()
    /// The first broken promise seen during the run (reported at the end).
    var violation: String?
    /// Set by the lock liveness check: clients take no new step (answers still reach them).
    var contendersStopped = false
    var stats = RecipeStatistics()
}

/// Counts that show which scenarios a recipe run really went through.
public struct RecipeStatistics: Sendable, Hashable {
    public var swapsWon = 0
    public var swapsLost = 0
    public var updatesFinished = 0
    public var rollbacks = 0
    public var kept = 0
    public var grants = 0
    /// Grants heard after the requester's own TTL had passed: released, not used.
    public var lateGrants = 0
    public var renewals = 0
    /// Renewals refused (the grant had lapsed): the holder stops at once.
    public var renewalsRefused = 0
    public var pauses = 0
    /// Writes by a holder that woke from a pause past its lease.
    public var staleWrites = 0
    /// Of those, refused by the fence because a newer holder had written.
    public var staleWritesRefused = 0
    public var fencedWrites = 0
    public var counterChanges = 0
    public var unknownOutcomes = 0
    /// Unknown outcomes the simulator later saw applied (the checked history has their answers).
    public var resolvedUnknowns = 0
    /// Unknown outcomes the simulator knows never took effect (dropped from the checked history).
    public var discardedUnknowns = 0
    public init() {}
}

extension Simulation {
    static let updateKeys = ["u0", "u1"]
    static let viewKey = "o0"
    static let naiveLockKey = "lock:l0"

    /// The history's time at tick `tick` (phase 0).
    func historyTime(_ tick: Int64) -> Int64 { tick * 4 }

    mutating func runRecipeClients(_ profile: FaultProfile) throws(InvariantChecker.Violation) {
        guard !recipeLedger.contendersStopped else { return }
        for c in 0..<options.clients {
            // Handling one client's command can crash a node (a fault mid-batch): look again each time.
            let leaders = nodes.indices.filter { nodes[$0].raft?.isLeader == true }
            if recipeClients[c].lease != nil, !recipeClients[c].pausedWithLease, rng.chance(profile.clientPause) {
                let ticks = UInt64(rng.int(in: 1...80))
                recipeClients[c].wakeAt = max(recipeClients[c].wakeAt, now + ticks)
                recipeClients[c].pausedWithLease = true
                recipeLedger.stats.pauses += 1
                record("client \(c) pauses for \(ticks) ticks holding token \(recipeClients[c].lease!.grant.token)")
            }
            guard clients.busy[c] == nil, now >= recipeClients[c].wakeAt else { continue }
            if recipeClients[c].lease != nil {
                holdLock(c, leaders)
                continue
            }
            guard !leaders.isEmpty, rng.chance(profile.clientRate) else { continue }
            let l = rng.pick(leaders)
            switch options.recipes! {
            case .casUpdates, .racyCAS: nextSwap(c, at: l)
            case .optimistic: nextChange(c, at: l)
            case .locks: nextAcquire(c, at: l)
            case .counters: nextCount(c, at: l)
            case .unconditionalLock: nextNaiveLock(c, at: l)
            }
            try drain(l, profile)
        }
    }

    /// What a recipe client hears: the answer to its outstanding command.
    mutating func recipeAnswered(_ c: Int, _ outcome: ProposalOutcome, from node: Int? = nil) {
        if case .unknown = outcome { recipeLedger.stats.unknownOutcomes += 1 }
        switch outcome {
        case .applied(let result, let index): record("client \(c) hears \(result) (index \(index))")
        case .notApplied(let reason), .unknown(let reason): record("client \(c) hears nothing: \(reason)")
        }
        switch options.recipes! {
        case .casUpdates, .racyCAS: swapAnswered(c, outcome)
        case .optimistic: changeAnswered(c, outcome, from: node)
        case .locks: lockAnswered(c, outcome)
        case .counters: countAnswered(c, outcome)
        case .unconditionalLock: naiveLockAnswered(c, outcome)
        }
    }

    // MARK: - Checks at the end

    /// Notes a counter-like change (a counter add or batch, a CAS increment) for the exactness check.
    mutating func recordChange(_ deltas: [String: Int64], acknowledged: Bool) {
        recipeLedger.changes.append(CounterChange(deltas, outcome: acknowledged ? .acknowledged : .unknown))
    }

    /// After the calm phase every member agrees: the recipes' own properties must hold.
    mutating func checkRecipes() throws(InvariantChecker.Violation) {
        guard let workload = options.recipes else { return }
        for c in recipeClients.indices {
            // A change still waiting for its answer may have been applied: its outcome is unknown.
            guard clients.busy[c] != nil else { continue }
            if let loop = recipeClients[c].update { recordChange([loop.key: 1], acknowledged: false) }
            if let deltas = recipeClients[c].deltas { recordChange(deltas, acknowledged: false) }
        }
        for c in recipeClients.indices {
            if let lease = recipeClients[c].lease { endBelief(c, recipeClients[c], at: historyTime(lease.validUntil)) }
            if let held = recipeClients[c].naiveLock {
                recipeLedger.beliefs.record(lock: "l0", holder: "client-\(c)", token: held.id,
                                            from: recipeClients[c].beliefFrom, until: historyTime(held.expires))
            }
        }
        if let violation = recipeLedger.violation {
            throw .init(property: "optimistic view", detail: violation)
        }
        let beliefs = recipeLedger.beliefs.check()
        if let violation = beliefs.violation {
            throw .init(property: "mutual exclusion", detail: violation)
        }
        guard let l = currentLeader else { return }
        let store = nodes[l].store
        switch workload {
        case .casUpdates, .racyCAS, .counters:
            let keys = workload == .counters ? Self.counters : Self.updateKeys
            var final: [String: Int64] = [:]
            for k in keys { final[k] = store.get(k)?.value.intValue.map { Int64($0) } ?? 0 }
            let exactness = CounterExactness().check(recipeLedger.changes, final: final)
            if !exactness.isExact {
                throw .init(property: "counter exactness", detail: exactness.description)
            }
        case .optimistic:
            let value = store.get(Self.viewKey)?.value
            for c in recipeClients.indices where recipeClients[c].view != nil && recipeClients[c].change == nil && recipeClients[c].queued.isEmpty {
                recipeClients[c].view!.observe(value, at: nodes[l].appliedIndex)
                let view = recipeClients[c].view!
                guard view.optimistic == value, view.agreed == value else {
                    throw .init(property: "optimistic view", detail: "client \(c) shows \(view.optimistic?.description ?? "absent") (agreed \(view.agreed?.description ?? "absent")) but the cluster holds \(value?.description ?? "absent")")
                }
            }
        case .locks, .unconditionalLock:
            break
        }
        stats.recipes = recipeLedger.stats
        record("recipes: \(recipeLedger.stats)")
    }
}

extension RecipeStatistics: CustomStringConvertible {
    /// The counts that are not zero, as `name=count`.
    public var description: String {
        Mirror(reflecting: self).children.compactMap { child in
            guard let label = child.label, let count = child.value as? Int, count != 0 else { return nil }
            return "\(label)=\(count)"
        }.joined(separator: " ")
    }
}
