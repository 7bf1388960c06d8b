// Lock contenders (LockAcquisition, LockLease, Fence) as simulated clients run them: waits,
// late grants, renewals, pauses past the lease, fenced writes; and the lesson's unconditional lock.

import Consensus
import ConsensusCore
import ConsensusRecipes

extension Simulation {
    mutating func nextAcquire(_ c: Int, at l: Int) {
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

    mutating func lockAnswered(_ c: Int, _ outcome: ProposalOutcome) {
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
    mutating func releaseLate(_ c: Int, _ grant: LockGrant) {
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
    mutating func holdLock(_ c: Int, _ leaders: [Int]) {
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
            send(client: c, lease.renewal, recording: .lockRenew(lock: lease.grant.name, holder: lease.grant.holder,
                                                                 token: lease.grant.token, ttl: 4 * lease.ttlMilliseconds), to: l)
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
    mutating func fencedWrite(_ c: Int, token: UInt64) -> Bool {
        do {
            try recipeLedger.fence.admit(token)
            recipeLedger.stats.fencedWrites += 1
            return true
        } catch {
            record("client \(c)'s write with token \(token) refused: \(error)")
            return false
        }
    }

    mutating func endBelief(_ c: Int, _ client: RecipeClient, at end: Int64) {
        guard let lease = client.lease else { return }
        let until = min(end, historyTime(lease.validUntil))
        recipeLedger.beliefs.record(lock: lease.grant.name, holder: lease.grant.holder, token: lease.grant.token,
                                    from: client.beliefFrom, until: max(client.beliefFrom, until))
    }

    // MARK: - The lesson's lock

    mutating func nextNaiveLock(_ c: Int, at l: Int) {
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

    mutating func naiveLockAnswered(_ c: Int, _ outcome: ProposalOutcome) {
        guard let pending = recipeClients[c].naivePending else { return }
        recipeClients[c].naivePending = nil
        if case .applied(.put, _) = outcome, Int64(now) < pending.expires {
            recipeClients[c].naiveLock = pending
            recipeClients[c].beliefFrom = clientTime
        }
    }
}
