import Consensus
import ConsensusRecipes
import Testing

@Suite("Recipes: compare-and-swap")
struct CompareAndSwapTests {
    @Test("update: N concurrent incrementers on every member end with exactly N increments")
    func concurrentUpdatesLoseNothing() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let nodes = await cluster.nodes
            let clientsPerNode = 2, incrementsPerClient = 4
            let policy = RetryPolicy(maxAttempts: 200, initialBackoff: .milliseconds(2), maxBackoff: .milliseconds(50))
            let attempts = try await withThrowingTaskGroup(of: Int.self) { group in
                for node in nodes {
                    for _ in 0..<clientsPerNode {
                        group.addTask {
                            let cas = CompareAndSwap(on: node, retry: policy)
                            var total = 0
                            for _ in 0..<incrementsPerClient {
                                let updated = try await cas.update("hits") { old in .int((old?.intValue ?? 0) + 1) }
                                // The transform saw a value the key really held, and its result won.
                                #expect(updated.new?.intValue == (updated.old?.intValue ?? 0) + 1)
                                total += updated.attempts
                            }
                            return total
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let expected = nodes.count * clientsPerNode * incrementsPerClient
            #expect(try await nodes[0].value("hits", consistency: .linearizable) == .int(Int64(expected)))
            #expect(attempts >= expected)   // contention costs retries, never updates
        }
    }

    @Test("swap with expected: nil creates only if absent; a conflict returns the current value and revision")
    func createIfAbsent() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            let cas = CompareAndSwap(on: follower)

            let created = try await cas.swap("owner", expected: nil, new: "alice")
            guard case .swapped(let revision) = created else {
                Issue.record("expected a swap, got \(created)")
                return
            }
            #expect(revision > 0)
            #expect(await follower.versioned("owner")?.revision == revision)

            let second = try await CompareAndSwap(on: leader).create("owner", "bob")
            #expect(second == .conflict(current: "alice", revision: revision))

            // The update loop also creates: the transform sees nil for an absent key.
            let made = try await cas.update("fresh") { old in old == nil ? "made" : "changed" }
            #expect(made.old == nil && made.new == "made" && made.attempts == 1)
        }
    }

    @Test("Backoff is jittered and bounded: never above the ceiling, which doubles up to the maximum")
    func backoffBounds() {
        let policy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(4), maxBackoff: .milliseconds(20))
        for attempt in 1...10 {
            let ceiling = min(Duration.milliseconds(4) * (1 << min(attempt - 1, 20)), .milliseconds(20))
            for _ in 0..<50 {
                let pause = policy.backoff(afterAttempt: attempt)
                #expect(pause >= .zero && pause <= ceiling)
            }
        }
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test("With simple_majority the recipes that need a total order refuse with a clear error")
    func simpleMajorityRefuses() async throws {
        let node = ConsensusTrait(nodeID: "solo", configuration: .simpleMajority())
        await #expect(throws: RecipeError.needsRaft(recipe: "compare-and-swap")) {
            try await CompareAndSwap(on: node).swap("k", expected: nil, new: 1)
        }
        await #expect(throws: RecipeError.needsRaft(recipe: "AtomicCounter")) {
            try await AtomicCounter("c", on: node).increment()
        }
        await #expect(throws: RecipeError.needsRaft(recipe: "DistributedLock")) {
            try await DistributedLock("l", holder: "me", on: node).acquire(ttl: .seconds(1))
        }
        #expect(RecipeError.needsRaft(recipe: "AtomicCounter").description.contains("raft"))
    }
}
