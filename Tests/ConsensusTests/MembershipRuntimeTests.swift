import Consensus
import Testing

/// addNode / removeNode through consensus, beyond the lesson's happy path.
@Suite("Membership (runtime)")
struct MembershipRuntimeTests {
    @Test("removeNode of the leader itself: the others elect a new leader, no longer list it, and keep committing")
    func removeLeader() async throws {
        try await withCluster { cluster in
            let (leader, term) = try await cluster.stableLeader()
            try await leader.removeNode(leader.nodeID)
            let others = await cluster.followers(of: leader)
            let moved = await cluster.waitUntil {
                for node in others {
                    guard let l = await node.leader, l.id != leader.nodeID else { return false }
                    guard await node.nodes.map(\.id) == others.map(\.nodeID).sorted() else { return false }
                }
                return true
            }
            #expect(moved, "the remaining members follow a new leader and list only each other")
            let newLeader = try #require(await others[0].leader)
            #expect(newLeader.id != leader.nodeID)
            for node in others where node.nodeID == newLeader.id {
                #expect(await node.debugState.currentTerm > term)
                #expect(await node.debugState.voters == others.map(\.nodeID).sorted())
            }
            #expect(try await others[0].propose("after-removal", true))
            #expect(await cluster.waitUntil {
                for node in others where (try? await node.value("after-removal")) != true { return false }
                return true
            })
        }
    }

    @Test("addNode and removeNode on a follower fail fast, naming the leader; removing a stranger is refused")
    func leaderOnlyCalls() async throws {
        try await withCluster { cluster in
            let (leader, _) = try await cluster.stableLeader()
            let follower = await cluster.followers(of: leader)[0]
            do throws(ConsensusError) {
                try await follower.removeNode(leader.nodeID)
                Issue.record("removeNode on a follower should throw")
            } catch {
                #expect(error == .notLeader(leader: leader.nodeID))
                #expect(error.description.contains(leader.nodeID))
            }
            do throws(ConsensusError) {
                try await follower.addNode(NodeInfo(id: "node-9"))
                Issue.record("addNode on a follower should throw")
            } catch {
                #expect(error == .notLeader(leader: leader.nodeID))
            }
            do throws(ConsensusError) {
                try await leader.removeNode("node-9")
                Issue.record("removing a non-member should throw")
            } catch {
                guard case .membership(let reason) = error else { Issue.record("unexpected \(error)"); return }
                #expect(reason.contains("node-9"))
            }
            #expect(await leader.nodes.count == 3)
        }
    }

    @Test("A node added later learns everything committed before, and votes")
    func addedNodeCatchesUp() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            for i in 0..<10 { try await leader.propose("before-\(i)", .int(Int64(i))) }
            try await cluster.add("node-4", metadata: ["role": "spare"])
            let newcomer = try #require(await cluster.node("node-4"))
            #expect(await cluster.waitUntil { (try? await newcomer.value("before-9")) == 9 })
            let promoted = await cluster.waitUntil { await newcomer.debugState.voters == ["node-1", "node-2", "node-3", "node-4"] }
            let seen = await newcomer.debugState
            #expect(promoted, "node-4 sees itself promoted: voters \(seen.voters), learners \(seen.learners)")
            // A full member: its own proposals commit and reach everyone.
            #expect(try await newcomer.propose("after-join", true))
            #expect(await cluster.waitUntilEveryMember(has: "after-join", true))
        }
    }
}
