import Consensus
import ConsensusTesting
import Testing

/// Application leader election over the HTTP API (in virtual time).
@Suite("HTTP API: leader election")
struct ElectionAPITests {
    @Test("Elections: campaign, a rival refused and told who leads, GET names the leader, renew, stale resign refused, resign, the rival is elected with a larger token")
    func campaignRenewResign() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            try await withAPI(follower) { api in
                let a = try await api.call(.post, "/v1/elections/game/campaign", #"{"candidate": "A", "value": {"host": "10.0.0.1"}, "ttlMs": 5000}"#)
                #expect(a["elected"] as? Bool == true, "\(a.text)")
                let token = try #require(a["token"] as? Int)
                #expect(a["expiresAtMs"] is Int && a["leader"] as? String == "A")

                let b = try await api.call(.post, "/v1/elections/game/campaign", #"{"candidate": "B", "value": "10.0.0.2", "ttlMs": 5000}"#)
                #expect(b["elected"] as? Bool == false && b["token"] == nil, "\(b.text)")
                #expect(b["leader"] as? String == "A")

                let shown = try await api.call(.get, "/v1/elections/game")
                #expect(shown["leader"] as? String == "A" && shown["token"] as? Int == token, "\(shown.text)")
                #expect((shown["value"] as? [String: Any])?["host"] as? String == "10.0.0.1")

                let renewed = try await api.call(.post, "/v1/elections/game/renew", #"{"candidate": "A", "token": \#(token), "ttlMs": 5000}"#)
                #expect(renewed["renewed"] as? Bool == true, "\(renewed.text)")
                let stale = try await api.call(.post, "/v1/elections/game/resign", #"{"candidate": "A", "token": \#(token + 1)}"#)
                #expect(stale["resigned"] as? Bool == false)
                let resigned = try await api.call(.post, "/v1/elections/game/resign", #"{"candidate": "A", "token": \#(token)}"#)
                #expect(resigned["resigned"] as? Bool == true, "\(resigned.text)")
                #expect(try await api.call(.get, "/v1/elections/game")["leader"] == nil)

                let waited = try await api.call(.post, "/v1/elections/game/campaign", #"{"candidate": "B", "value": "10.0.0.2", "ttlMs": 5000, "waitMs": 2000}"#)
                #expect(waited["elected"] as? Bool == true)
                #expect((waited["token"] as? Int ?? 0) > token)
                #expect(try await api.call(.get, "/v1/elections/game")["value"] as? String == "10.0.0.2")
            }
        }
    }

    @Test("Elections: a TTL out of range, a missing TTL on renew or a wait too long is a 400 that names the field")
    func validation() async throws {
        try await withCluster { cluster in
            try await withAPI(try await cluster.waitForLeader()) { api in
                let zero = try await api.call(.post, "/v1/elections/e/campaign", #"{"candidate": "C", "ttlMs": 0}"#)
                #expect(zero.status == .badRequest && zero.text.contains("ttlMs"))
                let noTTL = try await api.call(.post, "/v1/elections/e/renew", #"{"candidate": "C", "token": 1}"#)
                #expect(noTTL.status == .badRequest && noTTL.text.contains("ttlMs"))
                let long = try await api.call(.post, "/v1/elections/e/campaign", #"{"candidate": "C", "ttlMs": 10, "waitMs": 999999999}"#)
                #expect(long.status == .badRequest && long.text.contains("waitMs"))
            }
        }
    }
}
