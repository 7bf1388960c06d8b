import Consensus
import ConsensusTesting
import Testing

/// Status, proposals, votes, locks and counters over the HTTP API (in virtual time).
@Suite("HTTP API: status, proposals, locks, counters")
struct RecipeAPITests {
    @Test("GET /v1/status names the member, its role, the leader and every member")
    func status() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader) { api in
                let status = try await api.call(.get, "/v1/status")
                #expect(status["id"] as? String == leader.nodeID)
                #expect(status["role"] as? String == "leader")
                #expect(status["leader"] as? String == leader.nodeID)
                let members = try #require(status["members"] as? [[String: Any]])
                #expect(members.count == 3)
                #expect(members.filter { $0["role"] as? String == "leader" }.count == 1)
                for key in ["term", "commitIndex", "appliedIndex", "logLength"] { #expect(status[key] is Int, "\(key)") }
            }
        }
    }

    @Test("Locks: acquire, a rival refused, renew, stale token refused on release, release, the rival gets a larger token")
    func locks() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            try await withAPI(follower) { api in
                let a = try await api.call(.post, "/v1/locks/printer/acquire", #"{"holder": "A", "ttlMs": 5000}"#)
                #expect(a["acquired"] as? Bool == true, "\(a.text)")
                let token = try #require(a["token"] as? Int)
                let b = try await api.call(.post, "/v1/locks/printer/acquire", #"{"holder": "B", "ttlMs": 5000}"#)
                #expect(b["acquired"] as? Bool == false)
                let shown = try await api.call(.get, "/v1/locks/printer")
                #expect(shown["holder"] as? String == "A" && shown["held"] as? Bool == true)
                let renewed = try await api.call(.post, "/v1/locks/printer/renew", #"{"holder": "A", "token": \#(token), "ttlMs": 5000}"#)
                #expect(renewed["renewed"] as? Bool == true, "\(renewed.text)")
                let stale = try await api.call(.post, "/v1/locks/printer/release", #"{"holder": "A", "token": \#(token + 1)}"#)
                #expect(stale["released"] as? Bool == false)
                let released = try await api.call(.post, "/v1/locks/printer/release", #"{"holder": "A", "token": \#(token)}"#)
                #expect(released["released"] as? Bool == true)
                let waited = try await api.call(.post, "/v1/locks/printer/acquire", #"{"holder": "B", "ttlMs": 5000, "waitMs": 2000}"#)
                #expect(waited["acquired"] as? Bool == true)
                #expect((waited["token"] as? Int ?? 0) > token)
                let badTTL = try await api.call(.post, "/v1/locks/printer/acquire", #"{"holder": "C", "ttlMs": 0}"#)
                #expect(badTTL.status == .badRequest)
            }
        }
    }

    @Test("Counters: add, read, and an atomic batch that returns every new value")
    func counters() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(await cluster.followers(of: leader)[1]) { api in
                #expect(try await api.call(.post, "/v1/counters/clicks/add", #"{"delta": 2}"#)["value"] as? Int == 2)
                #expect(try await api.call(.post, "/v1/counters/clicks/add", #"{"delta": -1}"#)["value"] as? Int == 1)
                #expect(try await api.call(.get, "/v1/counters/clicks")["value"] as? Int == 1)
                let batch = try await api.call(.post, "/v1/counters/batch", #"{"ops": [{"name": "clicks", "delta": 10}, {"name": "views", "delta": 3}]}"#)
                let values = try #require(batch["values"] as? [String: Int], "\(batch.text)")
                #expect(values == ["clicks": 11, "views": 3])
                #expect(try await api.call(.post, "/v1/counters/batch", #"{"ops": []}"#).status == .badRequest)
            }
        }
    }

    @Test("simple_majority: POST /v1/proposals waits for votes cast with POST /v1/proposals/{id}/vote; GET lists the pending ones")
    func manualVotes() async throws {
        var configuration = ConsensusConfiguration.simpleMajority(timeout: .seconds(10), quorum: 0.51)
        configuration.heartbeatInterval = .milliseconds(10)
        try await withCluster(configuration: configuration) { cluster in
            let nodes = await cluster.nodes
            for n in nodes { await n.setVotePolicy(.manual) }
            try await withAPI(nodes[1]) { voter in
                async let proposed = withAPI(nodes[0]) { api in try await api.call(.post, "/v1/proposals", #"{"key": "decision", "value": "attack"}"#) }
                #expect(await cluster.waitUntil { await nodes[1].pendingProposals.count == 1 })
                let pending = try await voter.call(.get, "/v1/proposals")
                let list = try #require(pending["pending"] as? [[String: Any]])
                let id = try #require(list.first?["proposalId"] as? String)
                #expect(try await voter.call(.post, "/v1/proposals/\(id)/vote", #"{"accept": true}"#).status == .ok)
                try await withAPI(nodes[2]) { third in
                    _ = try await third.call(.post, "/v1/proposals/\(id)/vote", #"{"accept": true}"#)
                }
                let result = try await proposed
                #expect(result["accepted"] as? Bool == true, "\(result.text)")
                #expect((result["votes"] as? [String: Int])?["for"] ?? 0 >= 2)
                #expect(result["quorumRequired"] as? Int == 2)
                let unknown = try await voter.call(.post, "/v1/proposals/nope/vote", #"{"accept": true}"#)
                #expect(unknown.status != .ok && unknown["code"] != nil)
            }
        }
    }
}

extension RecipeAPITests {
    @Test("simple_majority: PUT and a local GET work (no log, so no revision); CAS and locks are refused as unsupported")
    func simpleMajorityKeyValue() async throws {
        var configuration = ConsensusConfiguration.simpleMajority(timeout: .seconds(10), quorum: 0.51)
        configuration.heartbeatInterval = .milliseconds(10)
        try await withCluster(configuration: configuration) { cluster in
            let node = await cluster.nodes[0]
            try await withAPI(node) { api in
                let put = try await api.call(.put, "/v1/kv/mood", #"{"value": "calm"}"#)
                #expect(put.status == .ok, "\(put.text)")
                let read = try await api.call(.get, "/v1/kv/mood?consistency=local")
                #expect(read["value"] as? String == "calm", "\(read.text)")
                let cas = try await api.call(.post, "/v1/kv/mood/cas", #"{"expected": "calm", "value": "angry"}"#)
                #expect(cas["code"] as? String == "unsupported", "\(cas.text)")
            }
        }
    }
}
