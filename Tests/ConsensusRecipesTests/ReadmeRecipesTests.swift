import Consensus
import ConsensusRecipes
import Testing

@Suite("Recipes: README example")
struct ReadmeRecipesTests {
    @Test("The README's Recipes snippet compiles and runs")
    func readmeSnippet() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let node = await cluster.node("node-2")!
            let ledger = FencedResource<String>("")

            // --- README: Recipes ---
            let hits = try await CompareAndSwap(on: node).update("hits") { old in .int((old?.intValue ?? 0) + 1) }
            let lock = DistributedLock("report", holder: "worker-1", on: node)
            try await lock.withLock(ttl: .seconds(5), wait: .seconds(10)) { token in
                try await ledger.write("monthly report", token: token)   // a FencedResource refuses stale tokens
            }
            try await AtomicCounter.batch(["stock": -1, "sold": 1], on: node)
            // --- end ---

            #expect(hits.new == 1)
            #expect(await ledger.value == "monthly report")
            #expect(try await AtomicCounter("sold", on: node).read() == 1)
        }
    }

    @Test("The README's leader election snippet compiles and runs")
    func readmeElectionSnippet() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let node = await cluster.node("node-2")!
            let game = FencedResource<String>("lobby")

            // --- README: Leader election for applications (keep in sync) ---
            let election = LeaderElection("game-host", candidate: "program-7", on: node, ttl: .seconds(5))
            let term = try await election.campaign(value: "10.0.0.7:7000", wait: .seconds(30))
            try await game.write("playing", token: term.token)   // a deposed host's older token is refused
            for await leader in try election.observe() { print(leader?.candidate ?? "nobody leads"); break }
            try await term.renew()                                // at least once per TTL while leading
            try await term.resign()                               // the next candidate is elected at once
            // --- end ---

            #expect(await game.value == "playing")
            #expect(try await election.leader() == nil)
        }
    }
}
