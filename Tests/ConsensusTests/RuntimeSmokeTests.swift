import Consensus
import Testing

@Suite("Runtime basics")
struct RuntimeSmokeTests {
    @Test("A 3-node cluster elects a leader, commits a proposal and every member applies it")
    func proposeAndReplicate() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let accepted = try await leader.propose("config", ["maxPlayers": 10])
            #expect(accepted)
            for node in await cluster.nodes {
                let ok = await cluster.waitUntil { await node.versioned("config") != nil }
                #expect(ok)
                let config = try await node.get("config", as: [String: Int].self)
                #expect(config == ["maxPlayers": 10])
            }
        }
    }

    @Test("A follower's proposal is forwarded to the leader and its result comes back")
    func followerForwards() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            var follower: ConsensusTrait?
            for n in await cluster.nodes where n !== leader { follower = n }
            let result = try await follower!.proposeWithResult("player_score", 100)
            #expect(result.accepted)
            #expect(result.key == "player_score")
            #expect(result.quorumRequired == 2)
            let read = try await follower!.get("player_score", as: Int.self, consistency: .linearizable)
            #expect(read == 100)
        }
    }
}
