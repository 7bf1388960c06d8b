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

    /// The history output of a recipe command's answer.
    func recipeOutput(_ command: Command, _ result: OperationResult) throws(InvariantChecker.Violation) -> ModelOutput {
        switch (command.operation, result) {
        case (.compareAndSwap, .compareAndSwap(let succeeded, _)): return .swapped(succeeded)
        // The lesson's compare-and-swap tells its caller it won whenever its put applied.
        case (.put, .put): return .swapped(true)
        case (.counterAdd(let name, _), .counter(let values)): return .counter(values[name] ?? 0)
        case (.counterBatch, .counter(let values)): return .counters(values)
        case (.lockAcquire, .lock(let grant)): return grant.map { .granted(token: $0.token) } ?? .refused
        case (.lockRelease, .lockReleased(let freed)): return .released(freed)
        default: throw .init(property: "client", detail: "unexpected result \(result) for \(command.operation)")
        }
    }

    // MARK: - Compare-and-swap loops (and the lesson's racy version)

    private mutating func nextSwap(_ c: Int, at l: Int) {
        if recipeClients[c].update == nil {
            // The loop starts from some member's local value, possibly stale: a stale start only
            // costs a lost swap (the lesson's version loses the update instead).
            let key = rng.pick(Self.updateKeys)
            let up = nodes.indices.filter { nodes[$0].isUp }
            let observed = nodes[rng.pick(up)].store.get(key)?.value
            recipeClients[c].update = UpdateLoop(key: key, observed: observed, maxAttempts: 4)
        }
        var loop = recipeClients[c].update!
        let old = loop.old
        let new = ConsensusValue.int((old?.intValue ?? 0) + 1)
        var operation = loop.propose(new)
        if options.recipes == .racyCAS {
            // "compareAndSwap": get, compare on the client (it matches: it is what was read), put.
            operation = .put(key: loop.key, value: new)
        }
        recipeClients[c].update = loop
        send(client: c, operation, recording: .compareAndSwap(key: loop.key, expected: old?.description, new: new.description), to: l)
    }

    private mutating func swapAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard var loop = recipeClients[c].update else { return }
        let key = loop.key
        if options.recipes == .racyCAS {
            recipeClients[c].update = nil
            switch outcome {
            case .applied(.put, _): recordChange([key: 1], acknowledged: true); recipeLedger.stats.swapsWon += 1
            case .unknown: recordChange([key: 1], acknowledged: false)
            default: break
            }
            return
        }
        switch outcome {
        case .applied(.compareAndSwap(true, _), _): recordChange([key: 1], acknowledged: true); recipeLedger.stats.swapsWon += 1
        case .applied(.compareAndSwap(false, _), _): recipeLedger.stats.swapsLost += 1
        case .unknown: recordChange([key: 1], acknowledged: false)
        default: break
        }
        switch loop.answer(outcome) {
        case .finished:
            recipeLedger.stats.updatesFinished += 1
            recipeClients[c].update = nil
        case .again(let attempt):
            recipeClients[c].update = loop
            recipeClients[c].wakeAt = now + UInt64(rng.int(in: 0...(1 << min(attempt, 5))))
        case .failed:
            recipeClients[c].update = nil
        }
    }

    // MARK: - Optimistic views

    private mutating func nextChange(_ c: Int, at l: Int) {
        if recipeClients[c].view == nil {
            let start = nodes[l].store.get(Self.viewKey)?.value
            recipeClients[c].view = OptimisticView(key: Self.viewKey, agreed: start, at: nodes[l].appliedIndex)
        }
        observeView(c, at: l)
        if recipeClients[c].queued.isEmpty {
            // Sometimes two changes at once, as two quick `OptimisticValue.set`s: the second is
            // built on the first's value and proposed after it.
            for n in 0..<(rng.chance(0.3) ? 2 : 1) {
                let value = ConsensusValue.string("v\(c)-\(clients.nextSequence)-\(n)")
                recipeClients[c].queued.append(recipeClients[c].view!.begin(value))
            }
        }
        let change = recipeClients[c].queued.removeFirst()
        recipeClients[c].change = change
        send(client: c, change.operation,
             recording: .compareAndSwap(key: change.key, expected: change.base?.description, new: change.value?.description), to: l)
    }

    private mutating func observeView(_ c: Int, at l: Int) {
        guard nodes[l].isUp, recipeClients[c].view != nil else { return }
        recipeClients[c].view!.observe(nodes[l].store.get(Self.viewKey)?.value, at: nodes[l].appliedIndex)
    }

    private mutating func changeAnswered(_ c: Int, _ outcome: ProposalOutcome, from node: Int?) {
        guard let change = recipeClients[c].change else { return }
        // Like the actor: read the member's applied value before deciding what a rollback restores.
        if let node { observeView(c, at: node) }
        let expected: ConsensusValue?
        switch recipeClients[c].view!.finish(change, OptimisticView.reason(of: outcome, key: change.key)) {
        case .kept:
            recipeLedger.stats.kept += 1
            // The changes waiting their turn were built on this one: the latest is on top.
            expected = recipeClients[c].queued.last.map { $0.value } ?? recipeClients[c].view!.agreed
        case .rolledBack:
            recipeLedger.stats.rollbacks += 1
            // Everything waiting was built on the withdrawn value: the view shows the agreed one.
            expected = recipeClients[c].view!.agreed
        }
        let view = recipeClients[c].view!
        if view.optimistic != expected && recipeLedger.violation == nil {
            recipeLedger.violation = "client \(c)'s view shows \(view.optimistic?.description ?? "absent") after change \(change.sequence); "
                + "expected \(expected?.description ?? "absent") (agreed \(view.agreed?.description ?? "absent"), \(recipeClients[c].queued.count) waiting)"
        }
        recipeClients[c].change = nil
    }

    // MARK: - Locks, fencing, pauses

    private mutating func nextAcquire(_ c: Int, at l: Int) {
        if recipeClients[c].acquisition == nil {
            let ttl = Int64(rng.int(in: 8...40))
            let wait: Int64? = rng.pick([nil, 20, 80])
            recipeClients[c].acquisition = LockAcquisition(name: Self.lockName, holder: "client-\(c)", ttlMilliseconds: ttl,
                                                           waitMilliseconds: wait, now: Int64(now))
        }
        var acquisition = recipeClients[c].acquisition!
        let operation = acquisition.request(now: Int64(now))
        recipeClients[c].acquisition = acquisition
        // Store time is in ticks; the history counts four phases per tick.
        send(client: c, operation, recording: .lockAcquire(lock: Self.lockName, holder: acquisition.holder,
                                                         ttl: 4 * acquisition.ttlMilliseconds), to: l)
    }

    private mutating func lockAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        if recipeClients[c].releasing {
            recipeClients[c].releasing = false
            return
        }
        if let sent = recipeClients[c].renewSentAt {
            recipeClients[c].renewSentAt = nil
            guard var lease = recipeClients[c].lease else { return }
            switch lease.renewed(outcome, sentAt: sent) {
            case .renewed:
                recipeLedger.stats.renewals += 1
                recipeClients[c].lease = lease
            case .lost:
                // Refused: the grant lapsed or was taken over. Stop believing now.
                recipeLedger.stats.renewalsRefused += 1
                endBelief(c, recipeClients[c], at: clientTime)
                recipeClients[c].lease = nil
            case .noAnswer:
                break
            }
            return
        }
        guard var acquisition = recipeClients[c].acquisition else { return }
        let next = acquisition.answer(outcome, now: Int64(now))
        recipeClients[c].acquisition = acquisition
        switch next {
        case .granted(let lease):
            recipeLedger.stats.grants += 1
            recipeClients[c].acquisition = nil
            recipeClients[c].lease = lease
            recipeClients[c].beliefFrom = clientTime
            record("client \(c) holds token \(lease.grant.token) until tick \(lease.validUntil)")
        case .again(let attempt, let late):
            if let late { releaseLate(c, late) }
            recipeClients[c].wakeAt = now + UInt64(rng.int(in: 0...min(1 << min(attempt, 5), 20)))
        case .failed(_, let late):
            if let late { releaseLate(c, late) }
            recipeClients[c].acquisition = nil
            recipeClients[c].wakeAt = now + UInt64(rng.int(in: 0...10))
        }
    }

    /// A grant heard after the requester's own TTL: it is not used, and released so that the
    /// others need not wait it out. The release is sent without waiting for its answer.
    private mutating func releaseLate(_ c: Int, _ grant: LockGrant) {
        recipeLedger.stats.lateGrants += 1
        record("client \(c) heard grant \(grant.token) after its own TTL: releases it unused")
        let leaders = nodes.indices.filter { nodes[$0].raft?.isLeader == true }
        guard !leaders.isEmpty else { return }
        let l = rng.pick(leaders)
        let h = clients.history.invoke(client: c, .lockRelease(lock: grant.name, holder: grant.holder, token: grant.token), at: clientTime)
        clients.history.timeOut(h)
        let command = clientCommand(c, .lockRelease(name: grant.name, holder: grant.holder, token: grant.token), at: l)
        clients.unresolved[command.id] = h
        try? propose(command, at: l)
    }

    /// A holder's turn: stop believing once the lease ran out; otherwise write with the token,
    /// renew or release. A holder that wakes from a pause first writes once without checking:
    /// the write it was about to make when the pause struck.
    private mutating func holdLock(_ c: Int, _ leaders: [Int]) {
        var client = recipeClients[c]
        let lease = client.lease!
        if client.pausedWithLease {
            client.pausedWithLease = false
            let stale = !lease.isValid(at: Int64(now))
            let admitted = fencedWrite(c, token: lease.grant.token)
            if stale {
                recipeLedger.stats.staleWrites += 1
                if !admitted { recipeLedger.stats.staleWritesRefused += 1 }
            }
        }
        guard lease.isValid(at: Int64(now)) else {
            endBelief(c, client, at: historyTime(lease.validUntil))
            client.lease = nil
            recipeClients[c] = client
            return
        }
        recipeClients[c] = client
        guard !leaders.isEmpty else { return }
        let l = rng.pick(leaders)
        switch rng.int(in: 0...9) {
        case 0...3:
            fencedWrite(c, token: lease.grant.token)
        case 4, 5:
            recipeClients[c].renewSentAt = Int64(now)
            send(client: c, lease.renewal, recording: nil, to: l)
        case 6:
            // The holder stops believing the moment it sends the release.
            endBelief(c, client, at: clientTime)
            recipeClients[c].lease = nil
            recipeClients[c].releasing = true
            send(client: c, lease.release, recording: .lockRelease(lock: lease.grant.name, holder: lease.grant.holder, token: lease.grant.token), to: l)
        default:
            break
        }
    }

    /// A write to the resource the lock protects, carrying `token`; returns whether the fence admitted it.
    @discardableResult
    private mutating func fencedWrite(_ c: Int, token: UInt64) -> Bool {
        do {
            try recipeLedger.fence.admit(token)
            recipeLedger.stats.fencedWrites += 1
            return true
        } catch {
            record("client \(c)'s write with token \(token) refused: \(error)")
            return false
        }
    }

    private mutating func endBelief(_ c: Int, _ client: RecipeClient, at end: Int64) {
        guard let lease = client.lease else { return }
        let until = min(end, historyTime(lease.validUntil))
        recipeLedger.beliefs.record(lock: lease.grant.name, holder: lease.grant.holder, token: lease.grant.token,
                                    from: client.beliefFrom, until: max(client.beliefFrom, until))
    }

    // MARK: - Counters

    private mutating func nextCount(_ c: Int, at l: Int) {
        let deltas: [String: Int64] = rng.chance(0.6)
            ? [rng.pick(Self.counters): Int64(rng.int(in: -2...5))]
            : [Self.counters[0]: Int64(rng.int(in: -2...5)), Self.counters[1]: Int64(rng.int(in: -2...5))]
        recipeClients[c].deltas = deltas
        let action: ModelAction = deltas.count == 1 ? .counterAdd(key: deltas.first!.key, delta: deltas.first!.value) : .counterBatch(deltas)
        send(client: c, AtomicCounter.operation(deltas), recording: action, to: l)
    }

    private mutating func countAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard let deltas = recipeClients[c].deltas else { return }
        recipeClients[c].deltas = nil
        do {
            _ = try AtomicCounter.values(in: outcome, deltas: deltas)
            recordChange(deltas, acknowledged: true)
            recipeLedger.stats.counterChanges += 1
        } catch {
            if case .outcomeUnknown = error { recordChange(deltas, acknowledged: false) }
        }
    }

    // MARK: - The lesson's lock

    private mutating func nextNaiveLock(_ c: Int, at l: Int) {
        if let held = recipeClients[c].naiveLock {
            // It trusts its own clock, and releases by deleting the key.
            if Int64(now) >= held.expires || rng.chance(0.2) {
                recipeLedger.beliefs.record(lock: "l0", holder: "client-\(c)", token: held.id,
                                            from: recipeClients[c].beliefFrom, until: min(clientTime, historyTime(held.expires)))
                recipeClients[c].naiveLock = nil
                send(client: c, .delete(key: Self.naiveLockKey), recording: nil, to: l)
            }
            return
        }
        // "if (!lock || lock.expires < Date.now()) propose(lock key, {holder, expires})"
        let up = nodes.indices.filter { nodes[$0].isUp }
        let current = nodes[rng.pick(up)].store.get(Self.naiveLockKey)?.value
        if let expires = current?["expires"]?.intValue, Int64(expires) > Int64(now) { return }
        let ttl = Int64(rng.int(in: 8...40))
        let id = clients.nextSequence
        recipeClients[c].naivePending = (id, Int64(now) + ttl)
        send(client: c, .put(key: Self.naiveLockKey, value: ["holder": .string("client-\(c)"), "expires": .int(Int64(now) + ttl)]),
             recording: nil, to: l)
    }

    private mutating func naiveLockAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard let pending = recipeClients[c].naivePending else { return }
        recipeClients[c].naivePending = nil
        if case .applied(.put, _) = outcome, Int64(now) < pending.expires {
            recipeClients[c].naiveLock = pending
            recipeClients[c].beliefFrom = clientTime
        }
    }

    // MARK: - Checks at the end

    private mutating func recordChange(_ deltas: [String: Int64], acknowledged: Bool) {
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
