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
}
