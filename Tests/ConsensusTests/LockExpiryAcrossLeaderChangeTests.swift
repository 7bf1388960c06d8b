import Synchronization
import Testing

@testable import Consensus

/// A Jepsen-style scenario for lock expiry in store time (`LeaderClock`): the leader dies while a
/// lock is held, and a waiter keeps asking through the new leader. Store time stands still
/// between leaders and is counted in the new leader's ticks after, so the lock may lapse late,
/// never early. In virtual time (the cluster's clock stands for real time): the verdict does not
/// depend on how busy the machine is.
@Suite("Lock expiry across a leader change", .serialized)
struct LockExpiryAcrossLeaderChangeTests {
    /// What a background watcher saw of every member's store while the scenario ran.
    final class Watch: Sendable {
        struct Observation {
            var node: String
            var storeClock: Int64
            var holder: String?
            /// Taken just after the store was read: the store was in this state no later.
            var seenBy: Duration
        }
        let observations = Mutex<[Observation]>([])
        func add(_ o: Observation) { observations.withLock { $0.append(o) } }
        var all: [Observation] { observations.withLock { $0 } }
    }

    static func grant(_ result: ProposalResult) -> LockGrant? {
        if case .lock(let grant?) = result.result { return grant }
        return nil
    }

    @Test("Leader killed while A holds a 1.5 s lock: B, retrying through the new leader, is granted no earlier than A's send + ttl, and is granted within 20 s; store clocks stay monotonic and never gain on real time")
    func lockHeldAcrossLeaderDeathLapsesLateNeverEarly() async throws {
        try await withCluster(size: 3) { cluster in
            let (leader, _) = try await cluster.stableLeader()
            let followers = await cluster.followers(of: leader)
            let a = followers[0], b = followers[1]
            let ttl: Int64 = 1_500
            let clock = cluster.clock

            // A takes the lock through its member (a follower, forwarding to the leader).
            let sentA = clock.now()
            let first = try await a.submit(.lockAcquire(name: "printer", holder: "A", ttlMilliseconds: ttl))
            let grantA = try #require(Self.grant(first), "A's acquire on a free lock: \(first)")
            #expect(grantA.token == 1)
            // The store clock when A's grant was applied: A's stamp, made after `sentA`.
            let clockAtGrantA = grantA.expiresAt - ttl

            // Watch every member's store (clock and holder) until the scenario ends.
            let watch = Watch()
            let nodes = await cluster.nodes
            let watcher = RuntimeExecutor.spawn {
                while !Task.isCancelled {
                    for node in nodes {
                        let store = await node.store
                        watch.add(.init(node: node.nodeID, storeClock: store.clock, holder: store.lock("printer")?.holder, seenBy: clock.now()))
                    }
                    try? await clock.sleep(for: .milliseconds(2))
                }
            }
            defer { watcher.cancel() }

            // The leader dies; the two survivors elect a new one.
            await cluster.kill(leader.nodeID)
            let elected = await cluster.waitUntil(timeout: .seconds(20)) {
                for node in [a, b] where await node.isLeader { return true }
                return false
            }
            #expect(elected, "a survivor leads within 20 s")

            // B keeps asking until granted (A never renews or releases).
            var grantB: LockGrant?
            var grantedAnswerAt: Duration?
            var refusals = 0
            let giveUp = sentA + .seconds(20)
            while clock.now() < giveUp {
                let result = try await b.submit(.lockAcquire(name: "printer", holder: "B", ttlMilliseconds: 60_000))
                if let g = Self.grant(result) {
                    grantB = g
                    grantedAnswerAt = clock.now()
                    break
                }
                refusals += 1
                try await clock.sleep(for: .milliseconds(20))
            }
            watcher.cancel()
            _ = await watcher.value

            // Eventually granted, with a larger token, and only after A's TTL of real time.
            let g = try #require(grantB, "B was not granted within 20 s of A's request (\(refusals) refusals)")
            #expect(g.token > grantA.token)
            let lapseNoEarlierThan = sentA + .milliseconds(ttl)
            #expect(try #require(grantedAnswerAt) >= lapseNoEarlierThan, "B was answered 'granted' before A's send + ttl")

            let observations = watch.all
            #expect(!observations.isEmpty)
            // No member's store showed B holding the lock before A's send + ttl.
            for o in observations where o.holder == "B" {
                #expect(o.seenBy >= lapseNoEarlierThan, "\(o.node) showed B holding \(lapseNoEarlierThan - o.seenBy) before A's send + ttl")
            }
            // Each member's store clock never moved back, across the leader change.
            for node in nodes {
                let clocks = observations.filter { $0.node == node.nodeID }.map(\.storeClock)
                let backwards = zip(clocks, clocks.dropFirst()).filter { $0 > $1 }
                #expect(backwards.isEmpty, "\(node.nodeID)'s store clock moved back: \(backwards.prefix(3))")
            }
            // Store time never ran ahead of real time since A's stamp (which came after `sentA`).
            for o in observations where o.storeClock >= clockAtGrantA {
                let storeElapsed = o.storeClock - clockAtGrantA
                let realElapsed = (o.seenBy - sentA).wholeMilliseconds
                #expect(storeElapsed <= realElapsed, "\(o.node): \(storeElapsed) ms of store time in \(realElapsed) ms of real time")
            }
        }
    }
}
