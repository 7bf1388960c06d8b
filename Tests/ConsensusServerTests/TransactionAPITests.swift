import Consensus
import ConsensusTesting
import Testing

/// `POST /v1/txn` on a 3-member cluster (in virtual time), through a follower: conditions, then
/// one branch, all-or-nothing at one log index (DESIGN.md, "The replicated state machine").
@Suite("HTTP API: transactions")
struct TransactionAPITests {
    @Test("Conditions hold: the then branch runs at one revision; they fail: the else branch runs")
    func branches() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            try await withAPI(follower) { api in
                let create = try await api.call(.post, "/v1/txn", #"""
                    {"if": [{"type": "absent", "key": "game"}],
                     "then": [{"type": "put", "key": "game", "value": "lobby"},
                              {"type": "counterAdd", "name": "players", "delta": 2}],
                     "else": [{"type": "put", "key": "late", "value": true}]}
                    """#)
                #expect(create.status == .ok, "\(create.text)")
                #expect(create["succeeded"] as? Bool == true)
                let revision = try #require(create["revision"] as? Int)
                let results = try #require(create["results"] as? [[String: Any]])
                #expect(results.map { $0["type"] as? String } == ["put", "counter"])
                #expect((results[1]["values"] as? [String: Any])?["players"] as? Int == 2)
                // Both writes carry the transaction's revision.
                #expect(try await api.call(.get, "/v1/kv/game")["revision"] as? Int == revision)
                #expect(try await api.call(.get, "/v1/kv/players")["revision"] as? Int == revision)

                let again = try await api.call(.post, "/v1/txn", #"""
                    {"if": [{"type": "absent", "key": "game"}],
                     "then": [{"type": "put", "key": "game", "value": "restarted"}],
                     "else": [{"type": "put", "key": "late", "value": true}]}
                    """#)
                #expect(again["succeeded"] as? Bool == false, "\(again.text)")
                #expect(try await api.call(.get, "/v1/kv/game")["value"] as? String == "lobby")
                #expect(try await api.call(.get, "/v1/kv/late")["value"] as? Bool == true)

                let guarded = try await api.call(.post, "/v1/txn", """
                    {"if": [{"type": "revisionEquals", "key": "game", "revision": \(revision)},
                            {"type": "valueEquals", "key": "game", "value": "lobby"}],
                     "then": [{"type": "delete", "key": "game"}]}
                    """)
                #expect(guarded["succeeded"] as? Bool == true, "\(guarded.text)")
                #expect(try await api.call(.get, "/v1/kv/game").status == .notFound)
            }
        }
    }

    @Test("All-or-nothing: an operation that cannot apply rejects the whole branch (409), nothing written")
    func allOrNothing() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader) { api in
                #expect(try await api.call(.put, "/v1/kv/name", #"{"value": "not a number"}"#).status == .ok)
                let txn = try await api.call(.post, "/v1/txn", #"""
                    {"then": [{"type": "put", "key": "first", "value": 1},
                              {"type": "counterAdd", "name": "name", "delta": 1}]}
                    """#)
                #expect(txn.status == .conflict && txn["code"] as? String == "rejected", "\(txn.text)")
                #expect(try await api.call(.get, "/v1/kv/first").status == .notFound)
            }
        }
    }

    @Test("Bad transactions are a 400 naming the field, before anything is proposed")
    func badInput() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader) { api in
                let before = await leader.debugState.logLength
                let empty = try await api.call(.post, "/v1/txn", #"{"then": []}"#)
                #expect(empty.status == .badRequest, "\(empty.text)")
                let lock = try await api.call(.post, "/v1/txn", #"""
                    {"then": [{"type": "lockAcquire", "name": "l", "holder": "h", "ttlMilliseconds": 10}]}
                    """#)
                #expect(lock.status == .badRequest)
                #expect((lock["message"] as? String)?.hasPrefix("field 'then[0]'") == true, "\(lock.text)")
                let missing = try await api.call(.post, "/v1/txn", #"{"then": [{"type": "put", "key": "k"}]}"#)
                #expect(missing["message"] as? String == "missing field 'then[0].value'", "\(missing.text)")
                let noThen = try await api.call(.post, "/v1/txn", #"{"if": []}"#)
                #expect(noThen["message"] as? String == "missing field 'then'", "\(noThen.text)")
                #expect(await leader.debugState.logLength == before)
            }
        }
    }
}
