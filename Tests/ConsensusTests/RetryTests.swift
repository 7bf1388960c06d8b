import Consensus
import Testing

/// Proposals survive a leader change: the follower sends them again to the new leader, and the
/// state machine applies each proposal id once.
@Suite("Retries across leader changes")
struct RetryTests {
    @Test("A proposal made on a follower right after the leader dies is accepted once a new leader is elected")
    func failover() async throws {
        try await withCluster(size: 3) { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.propose("counter-base", 0))
            let follower = await cluster.nodes.first { $0 !== leader }!
            await cluster.kill(leader.nodeID)
            // The follower still believes in the dead leader: the forward is lost, and the
            // proposal must be re-sent when the new leader shows up (not time out after 10 s).
            let result = try await follower.submit(.counterAdd(name: "hits", delta: 1))
            #expect(result.accepted, "\(result.error ?? "")")
            let survivor = await cluster.nodes.first { $0 !== leader && $0 !== follower }!
            #expect(await cluster.waitUntil { await survivor.versioned("hits")?.value == 1 })
            #expect(await follower.versioned("hits")?.value == 1)
        }
    }

    @Test("The same command applied twice takes effect once; the window survives a snapshot")
    func exactlyOnce() throws {
        var store = KeyValueStore()
        let id = ProposalID(node: 42, sequence: 7)
        let add = Command(id: id, time: 1, operation: .counterAdd(name: "n", delta: 5))
        _ = store.apply(add, at: 1)
        let again = store.apply(add, at: 2)
        #expect(!again.result.succeeded)
        #expect(again.changes.isEmpty)
        #expect(store.get("n")?.value == 5)
        var restored = try KeyValueStore(snapshot: store.snapshot())
        #expect(restored.hasApplied(id))
        _ = restored.apply(add, at: 3)
        #expect(restored.get("n")?.value == 5)
        let next = Command(id: ProposalID(node: 42, sequence: 8), time: 2, operation: .counterAdd(name: "n", delta: 1))
        #expect(restored.apply(next, at: 4).result.succeeded)
        #expect(restored.get("n")?.value == 6)
    }
}
