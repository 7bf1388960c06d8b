// The lock recipe's liveness: once its contenders stop, a newcomer gets the lock within a bound.
// The safety checks alone (a history whose grants may outlive their TTL, holders' beliefs, the
// fence) all accept a lock that never lapses; this check does not.

import Consensus

extension Simulation {
    /// Calm ticks within which a newcomer must get the lock once the contenders have stopped.
    /// Every grant then lapses by twice the largest TTL (40) of store time after the stop: the
    /// last requests were stamped before it, and a request applied after its own TTL is refused
    /// as stale, so none extends a grant past its stamp plus two TTLs. With a calm leader, store
    /// time runs with its ticks; the rest of the bound is slack for an election and a log to
    /// catch up.
    static let lockLivenessTicks = 400
    /// Calm ticks after which an unanswered request of the newcomer is sent again.
    static let lockLivenessRetryTicks = 20

    /// With the lock recipe: stops the contenders (they neither ask, renew nor release any more;
    /// answers still reach them), then has a newcomer ask for the lock every few ticks. It must
    /// be granted within ``lockLivenessTicks``.
    ///
    /// Skipped for a wall-clock store time: a leader whose wall clock is behind the store's
    /// clock finds every request stale until it catches up, one of the harms that mode shows.
    mutating func checkLockLiveness() throws(InvariantChecker.Violation) {
        guard options.recipes == .locks, options.storeClock == .leaderTicks else { return }
        recipeLedger.contendersStopped = true
        let calm = FaultProfile.calm
        let start = now
        let deadline = now + UInt64(Self.lockLivenessTicks)
        var asked: (id: ProposalID, at: UInt64)?
        var refusals = 0
        while now < deadline {
            try step(calm)
            if let request = asked, let applied = clients.firstApplied[request.id] {
                asked = nil
                if case .lock(let grant?) = applied.result {
                    record("lock liveness: a newcomer got \(grant.name) (token \(grant.token)) \(now - start) ticks after the contenders stopped, \(refusals) refusals before")
                    return
                }
                refusals += 1
            }
            if let request = asked, now < request.at + UInt64(Self.lockLivenessRetryTicks) { continue }
            guard let l = currentLeader else { continue }
            let command = clientCommand(options.clients, .lockAcquire(name: Self.lockName, holder: "newcomer", ttlMilliseconds: 40), at: l)
            asked = (command.id, now)
            try? propose(command, at: l)
            try drain(l, calm)
        }
        var detail = "nobody asks for lock \(Self.lockName) any more, yet a newcomer was not granted it within \(Self.lockLivenessTicks) calm ticks (\(refusals) refusals)"
        if let l = currentLeader {
            let store = nodes[l].store
            let grant = store.lock(Self.lockName).map { "held by \($0.holder) with token \($0.token), expiring at \($0.expiresAt)" } ?? "free"
            detail += "; the leader n\(nodes[l].id) says the lock is \(grant) at store time \(store.clock)"
        }
        throw .init(property: "lock liveness", detail: detail)
    }
}
