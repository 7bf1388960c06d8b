import Consensus
import ConsensusNetwork
import ConsensusRecipes
import Testing

@Suite("Recipes: optimistic update")
struct OptimisticValueTests {
    actor Seen {
        var rollbacks: [OptimisticValue.Rollback] = []
        func add(_ r: OptimisticValue.Rollback) { rollbacks.append(r) }
    }

    @Test("A change with no conflict is kept; the optimistic and agreed values meet")
    func keptWithoutConflict() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let node = await cluster.followers(of: leader)[0]
            let color = await OptimisticValue("color", on: node)
            #expect(await color.set("blue") == .kept)
            #expect(await color.optimistic == "blue")
            #expect(await color.agreed == "blue")
            #expect(await color.update { _ in "green" } == .kept)
            #expect(try await leader.value("color", consistency: .linearizable) == "green")
            await color.stop()
        }
    }

    @Test("A conflicting writer causes a rollback that is reported; in the end the optimistic value equals the agreed one")
    func conflictRollsBack() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let node = await cluster.followers(of: leader)[0]
            let color = await OptimisticValue("color", on: node)
            let seen = Seen()
            let watcher = RuntimeExecutor.spawn { for await r in color.rollbacks { await seen.add(r) } }
            defer { watcher.cancel() }

            // Another writer changes the key on the leader; right after, this view changes it
            // from the value it last saw. When the other write got in first (the view had not
            // seen it yet), the compare-and-swap fails and the view rolls back. The race is
            // real, so repeat until it shows (it usually does on the first round).
            var conflict: OptimisticValue.Rollback?
            for round in 0..<30 where conflict == nil {
                try await leader.propose("color", .string("theirs-\(round)"))
                let outcome = await color.set(.string("mine-\(round)"))
                if case .rolledBack(let r) = outcome {
                    conflict = r
                    #expect(r.attempted == .string("mine-\(round)"))
                    #expect(r.reason == .conflict(current: .string("theirs-\(round)")))
                    #expect(r.restored == .string("theirs-\(round)"))
                    #expect(await color.optimistic == .string("theirs-\(round)"))
                }
            }
            let rollback = try #require(conflict, "no conflict in 30 rounds")
            #expect(await cluster.waitUntil { await seen.rollbacks.contains(rollback) })

            // Whatever happened, once everything is applied the view equals the agreed value,
            // which equals the cluster's linearizable value.
            let final = try await leader.value("color", consistency: .linearizable)
            #expect(await cluster.waitUntil {
                let (o, a) = (await color.optimistic, await color.agreed)
                return o == final && a == final
            })
            await color.stop()
        }
    }

    @Test("A change refused on the minority side of a partition is rolled back")
    func rejectedRollsBack() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let node = await cluster.node("node-1")!
            let color = await OptimisticValue("color", on: node)
            #expect(await color.set("blue") == .kept)
            await cluster.partition([["node-1"], ["node-2", "node-3"]])
            #expect(await cluster.waitUntil { await node.currentPartition?.side == .minority })
            let outcome = await color.set("red")
            guard case .rolledBack(let r) = outcome, case .rejected = r.reason else {
                Issue.record("expected a rollback on rejection, got \(outcome)")
                return
            }
            #expect(r.restored == "blue")
            #expect(await color.optimistic == "blue")
            await cluster.heal()
            await color.stop()
        }
    }
}
