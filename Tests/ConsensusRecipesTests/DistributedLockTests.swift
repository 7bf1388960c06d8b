import Consensus
import ConsensusRecipes
import ConsensusTesting
import Testing

@Suite("Recipes: distributed lock")
struct DistributedLockTests {
    /// One holder's time with the lock, as the holder saw it: from the grant's arrival to just
    /// before its release was sent. Those times lie inside the store's own grant interval.
    struct Tenure: Sendable {
        var holder: String
        var token: UInt64
        var start: Int64
        var end: Int64
    }

    actor Tenures {
        var all: [Tenure] = []
        func add(_ t: Tenure) { all.append(t) }
    }

    @Test("Two contenders on different members never both hold it; tokens strictly increase; the checker agrees")
    func mutualExclusion() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let history = SharedHistory(clock: cluster.clock)
            let tenures = Tenures()
            let ttl = Duration.seconds(5)
            let ttlNanos: Int64 = 5_000_000_000

            try await withThrowingTaskGroup(of: Void.self) { group in
                for (client, node) in [followers[0], followers[1]].enumerated() {
                    group.addTask {
                        let holder = "contender-\(client)"
                        let lock = DistributedLock("printer", holder: holder, on: node)
                        var held = 0
                        while held < 4 {
                            let id = await history.invoke(client: client, .lockAcquire(lock: "printer", holder: holder, ttl: ttlNanos))
                            let grant: LockGrant
                            do {
                                grant = try await lock.acquire(ttl: ttl)
                            } catch RecipeError.lockNotAcquired {
                                await history.complete(id, .refused)
                                try await cluster.clock.sleep(for: .milliseconds(Int.random(in: 1...15)))
                                continue
                            }
                            await history.complete(id, .granted(token: grant.token))
                            let start = history.clock.now
                            try await cluster.clock.sleep(for: .milliseconds(10))   // the critical section
                            let end = history.clock.now
                            await tenures.add(Tenure(holder: holder, token: grant.token, start: start, end: end))
                            let rid = await history.invoke(client: client, .lockRelease(lock: "printer", holder: holder, token: grant.token))
                            let freed = try await lock.release(grant)
                            await history.complete(rid, .released(freed))
                            #expect(freed)
                            held += 1
                        }
                    }
                }
                try await group.waitForAll()
            }

            let ordered = await tenures.all.sorted { $0.start < $1.start }
            #expect(ordered.count == 8)
            for (a, b) in zip(ordered, ordered.dropFirst()) {
                #expect(a.end < b.start, "\(a.holder) (token \(a.token)) and \(b.holder) (token \(b.token)) overlap")
                #expect(a.token < b.token, "tokens must strictly increase in grant order")
            }
            let result = LinearizabilityChecker().check(await history.operations)
            #expect(result == .linearizable, "\(result)")
        }
    }

    @Test("A holder paused past its TTL loses the lock: the next grant has a larger token and the resource refuses the stale one")
    func pausedHolderIsFenced() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let slow = DistributedLock("ledger", holder: "slow-worker", on: followers[0])
            let fast = DistributedLock("ledger", holder: "fast-worker", on: followers[1])
            let ledger = FencedResource<[String]>([])

            let first = try await slow.acquire(ttl: .milliseconds(300), wait: .seconds(30))
            try await ledger.modify(token: first.token) { $0.append("slow: begin") }

            // The slow worker "pauses": it stops renewing. The fast one waits for the lock, and
            // gets it only once the slow worker's grant has lapsed (by the leader-stamped time).
            let second = try await fast.acquire(ttl: .seconds(10), wait: .seconds(30))
            #expect(second.token > first.token)
            try await ledger.modify(token: second.token) { $0.append("fast: write") }

            // The slow worker wakes up, still believing it holds the lock, and writes: refused.
            await #expect(throws: FencedResource<[String]>.StaleToken(token: first.token, highestSeen: second.token)) {
                try await ledger.modify(token: first.token) { $0.append("slow: stale write") }
            }
            #expect(await ledger.value == ["slow: begin", "fast: write"])
            // The lock itself says the same: the old grant cannot be renewed or released.
            await #expect(throws: RecipeError.lockLost(name: "ledger", token: first.token)) {
                try await slow.renew(first, ttl: .seconds(1))
            }
            #expect(try await slow.release(first) == false)
            #expect(try await fast.release(second))
        }
    }

    @Test("withLock renews while a body longer than the TTL runs, and releases after it")
    func withLockRenewsAndReleases() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let worker = DistributedLock("job", holder: "worker", on: followers[0])
            let rival = DistributedLock("job", holder: "rival", on: followers[1])

            // withLock gives the lock up as lost as soon as a renewal (every TTL/3, forwarded
            // through a follower) is not answered before the lease runs out. (In virtual time, so
            // a busy machine cannot delay an answer past it.)
            let token = try await worker.withLock(ttl: .milliseconds(1200)) { token in
                // Three TTLs long: without the background renewals the rival would get in.
                let clock = cluster.clock
                let end = clock.now() + .milliseconds(3600)
                while clock.now() < end {
                    await #expect(throws: RecipeError.self) { try await rival.acquire(ttl: .seconds(5)) }
                    try await clock.sleep(for: .milliseconds(100))
                }
                return token
            }
            // Released after the body: the rival gets it at once, with a larger token.
            let next = try await rival.acquire(ttl: .seconds(5))
            #expect(next.token > token)
            #expect(try await rival.release(next))

            // A body that throws still releases.
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await worker.withLock(ttl: .seconds(5), wait: .seconds(5)) { _ in throw Boom() }
            }
        }
    }

    @Test("Release with a wrong token or by another holder is refused; the lock stays held")
    func releaseNeedsHolderAndToken() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let owner = DistributedLock("door", holder: "owner", on: leader)
            let other = DistributedLock("door", holder: "other", on: leader)
            let grant = try await owner.acquire(ttl: .seconds(10))

            #expect(try await other.release(token: grant.token) == false)      // not the holder
            #expect(try await owner.release(token: grant.token + 1) == false)  // wrong token
            do {
                let stolen = try await other.acquire(ttl: .seconds(1))
                Issue.record("another holder got the lock: \(stolen)")
            } catch RecipeError.lockNotAcquired(name: "door", waited: _) {
                // refused, as it should be
            }
            // Acquiring again as the holder returns the same grant, extended (a safe retry).
            let retried = try await owner.acquire(ttl: .seconds(10))
            #expect(retried.token == grant.token && retried.holder == grant.holder)
            #expect(retried.expiresAt >= grant.expiresAt)
            #expect(try await owner.release(grant))
            #expect(try await other.acquire(ttl: .seconds(1)).token > grant.token)
        }
    }
}

extension DistributedLockTests {
    @Test("acquireHeld says until when this process may act as the holder: the TTL counted from when the request was sent")
    func acquireHeldGivesTheHoldersDeadline() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let lock = DistributedLock("ledger", holder: "worker-1", on: leader)
            let before = leader.clock.now()
            let held = try await lock.acquireHeld(ttl: .seconds(30))
            let after = leader.clock.now()
            #expect(held.isValid)
            #expect(held.grant.holder == "worker-1")
            // Counted from the send, which lies between `before` and `after` (whole milliseconds).
            #expect(held.validUntil <= after + .seconds(30))
            #expect(held.validUntil >= before + .seconds(30) - .milliseconds(1))
            #expect(try await lock.release(held.grant))
        }
    }
}

extension DistributedLockTests {
    /// A stamp must not lag the moment it is made: with 100 ms ticks, a leader that stamped the
    /// time of its last tick let a second holder in up to a tick before the first holder's own
    /// deadline (a reviewer measured it 25 times out of 25). No leader change here.
    @Test("With slow ticks, a second holder is never granted before the first holder's own deadline", arguments: [1, 2, 3])
    func noEarlyGrantBetweenTicks(round: Int) async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.electionTimeout = .milliseconds(1_200)...(.milliseconds(2_400))
        try await withCluster(configuration: configuration, seed: UInt64(round)) { cluster in
            let leader = try await cluster.waitForLeader(timeout: .seconds(30))
            let a = DistributedLock("printer", holder: "A", on: leader)
            let b = DistributedLock("printer", holder: "B", on: leader)
            let heldA = try await a.acquireHeld(ttl: .milliseconds(300), wait: .seconds(30))
            let clock = leader.clock
            var grantedB: Duration?
            let giveUp = clock.now() + .seconds(20)
            while grantedB == nil && clock.now() < giveUp {
                if (try? await b.acquire(ttl: .milliseconds(300))) != nil { grantedB = clock.now() }
                try await clock.sleep(for: .milliseconds(1))
            }
            let when = try #require(grantedB, "B was never granted")
            #expect(when >= heldA.validUntil, "B was granted \(heldA.validUntil - when) before A's own deadline")
        }
    }
}

extension DistributedLockTests {
    /// When something happened, set from inside a lock's body.
    actor Moment {
        var at: Duration?
        func mark(_ now: Duration) { at = now }
    }

    /// The holder's member is cut off: its renewals get no answer. `withLock` must give up when
    /// the lease runs out (TTL from the last good renewal), not when a renewal times out (the
    /// configuration's 10 s timeout), so the body is cancelled while the grant may still be live.
    @Test("withLock cut off from the cluster: lockLost when the lease runs out, long before a renewal times out")
    func withLockGivesUpWhenTheLeaseRunsOut() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = try #require(await cluster.followers(of: leader).first)
            let lock = DistributedLock("door", holder: "cut-off", on: follower)
            let cut = Moment()
            do {
                _ = try await lock.withLock(ttl: .milliseconds(900)) { _ in
                    try await cluster.clock.sleep(for: .milliseconds(100))
                    await cluster.isolate(follower.nodeID)
                    await cut.mark(cluster.clock.now())
                    while !Task.isCancelled { try? await cluster.clock.sleep(for: .milliseconds(10)) }
                }
                Issue.record("withLock returned although its member was cut off")
            } catch RecipeError.lockLost(name: "door", token: _) {
                let cutAt = try #require(await cut.at)
                let after = cluster.clock.now() - cutAt
                #expect(after < .seconds(5), "gave up \(after) after the cut: a renewal's timeout decided, not the lease")
            }
            await cluster.heal()
        }
    }
}
