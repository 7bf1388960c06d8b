import Consensus
import ConsensusRecipes
import Testing

/// The lesson's exercise, "Build a Distributed Counter": multiple nodes increment/decrement, all
/// nodes show the same value, it survives a single node failure, handles network partitions and
/// supports atomic batch operations.
@Suite("Recipes: atomic counter (the lesson's exercise)")
struct AtomicCounterTests {
    /// Polls until every running member's local value of `name` is `value`.
    func converged(_ cluster: LocalCluster, _ name: String, _ value: Int64, members: [String]? = nil) async -> Bool {
        let all = await cluster.names
        let names = members ?? all
        return await cluster.waitUntil(timeout: .seconds(15)) {
            for n in names {
                if await cluster.node(n)!.localRead(name).value != .int(value) { return false }
            }
            return true
        }
    }

    @Test("Concurrent increments and decrements from every member sum exactly; every member shows the same value")
    func concurrentChangesSumExactly() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let nodes = await cluster.nodes
            let sum = try await withThrowingTaskGroup(of: Int64.self) { group in
                for node in nodes {
                    for worker in 0..<2 {
                        group.addTask {
                            let counter = AtomicCounter("score", on: node)
                            var mine: Int64 = 0
                            for step in 0..<10 {
                                let amount = Int64(step % 3 + 1)
                                if (step + worker) % 2 == 0 {
                                    try await counter.increment(by: amount); mine += amount
                                } else {
                                    try await counter.decrement(by: amount); mine -= amount
                                }
                            }
                            return mine
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            for node in nodes {
                #expect(try await AtomicCounter("score", on: node).read() == sum)
            }
            #expect(await converged(cluster, "score", sum))
        }
    }

    @Test("A batch changes several counters in one entry, all or nothing")
    func batchIsAllOrNothing() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let node = await cluster.followers(of: leader)[0]
            let values = try await AtomicCounter.batch(["stock:apples": 10, "sold:apples": 0], on: node)
            #expect(values == ["stock:apples": 10, "sold:apples": 0])
            #expect(try await AtomicCounter.batch(["stock:apples": -3, "sold:apples": 3], on: node) == ["stock:apples": 7, "sold:apples": 3])

            // One key of the batch is not an integer: the whole batch is refused, nothing changes.
            try await node.propose("note", "not a number")
            do {
                try await AtomicCounter.batch(["stock:apples": -1, "sold:apples": 1, "note": 1], on: node)
                Issue.record("a batch touching a non-integer key was applied")
            } catch let error as RecipeError {
                guard case .rejected = error else { throw error }
            }
            // An overflow in one counter refuses the batch as well.
            await #expect(throws: RecipeError.self) {
                try await AtomicCounter.batch(["stock:apples": .max, "sold:apples": 1], on: node)
            }
            #expect(try await AtomicCounter("stock:apples", on: node).read() == 7)
            #expect(try await AtomicCounter("sold:apples", on: node).read() == 3)
            #expect(try await node.value("note", consistency: .linearizable) == "not a number")
        }
    }

    @Test("Survives the leader being killed: the others keep counting, the restarted node catches up")
    func survivesOneNodeFailure() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let survivors = await cluster.followers(of: leader)
            try await AtomicCounter("visits", on: leader).add(5)

            await cluster.kill(leader.nodeID)
            let counter = AtomicCounter("visits", on: survivors[0])
            // The proposal waits for the new leader (within the configured timeout).
            #expect(try await counter.increment() == 6)
            #expect(try await AtomicCounter("visits", on: survivors[1]).increment() == 7)
            #expect(try await counter.read() == 7)

            try await cluster.restart(leader.nodeID)
            #expect(await converged(cluster, "visits", 7))
        }
    }

    @Test("Partition: the minority side fails fast and counts nothing, the majority side counts, all converge on heal")
    func partition() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let lonely = await cluster.node("node-1")!, majority = await cluster.node("node-2")!
            try await AtomicCounter("clicks", on: lonely).increment()
            await cluster.partition([["node-1"], ["node-2", "node-3"]])
            #expect(await cluster.waitUntil { await lonely.currentPartition?.side == .minority })

            let clock = cluster.clock
            let start = clock.now()
            do {
                try await AtomicCounter("clicks", on: lonely).increment()
                Issue.record("the minority side counted")
            } catch let error as RecipeError {
                guard case .notApplied = error else { throw error }
            }
            #expect(clock.now() - start < .seconds(5))   // fast, not the 10 s timeout

            let counter = AtomicCounter("clicks", on: majority)
            #expect(try await counter.increment(by: 2) == 3)
            #expect(try await counter.read() == 3)

            await cluster.heal()
            #expect(await converged(cluster, "clicks", 3))
            #expect(try await AtomicCounter("clicks", on: lonely).read() == 3)
        }
    }
}
