import Consensus
import ConsensusTesting
import Testing

/// The HTTP API's key-value endpoints on a 3-member cluster (in virtual time), called on a
/// follower so that every write and linearizable read is forwarded.
@Suite("HTTP API: key-value")
struct KeyValueAPITests {
    @Test("PUT, GET (linearizable and local), DELETE, 404 through a follower")
    func putGetDelete() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            try await withAPI(follower) { api in
                let put = try await api.call(.put, "/v1/kv/score", #"{"value": {"alice": 3}}"#)
                #expect(put.status == .ok, "\(put.text)")
                let revision = try #require(put["revision"] as? Int)
                let get = try await api.call(.get, "/v1/kv/score")
                #expect(get.status == .ok)
                #expect((get["value"] as? [String: Any])?["alice"] as? Int == 3)
                #expect(get["revision"] as? Int == revision)
                #expect(get["mayBeStale"] == nil)
                let local = try await api.call(.get, "/v1/kv/score?consistency=local")
                #expect(local["mayBeStale"] as? Bool == true)
                let bad = try await api.call(.get, "/v1/kv/score?consistency=eventual")
                #expect(bad.status == .badRequest && bad["code"] as? String == "bad_request")
                let deleted = try await api.call(.delete, "/v1/kv/score")
                #expect(deleted["deleted"] as? Bool == true)
                #expect((deleted["revision"] as? Int ?? 0) > revision)
                let again = try await api.call(.delete, "/v1/kv/score")
                #expect(again["deleted"] as? Bool == false)
                let missing = try await api.call(.get, "/v1/kv/score")
                #expect(missing.status == .notFound && missing["code"] as? String == "not_found")
            }
        }
    }

    @Test("CAS: expected null creates, a wrong expectation fails with the current value, value null deletes")
    func compareAndSwap() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader) { api in
                let created = try await api.call(.post, "/v1/kv/k/cas", #"{"expected": null, "value": 1}"#)
                #expect(created["succeeded"] as? Bool == true, "\(created.text)")
                let lost = try await api.call(.post, "/v1/kv/k/cas", #"{"expected": 5, "value": 2}"#)
                #expect(lost.status == .ok)
                #expect(lost["succeeded"] as? Bool == false)
                #expect(lost["current"] as? Int == 1)
                let swapped = try await api.call(.post, "/v1/kv/k/cas", #"{"expected": 1, "value": null}"#)
                #expect(swapped["succeeded"] as? Bool == true)
                #expect(try await api.call(.get, "/v1/kv/k").status == .notFound)
                let missingField = try await api.call(.post, "/v1/kv/k/cas", #"{"value": 3}"#)
                #expect(missingField.status == .badRequest)
                #expect((missingField["message"] as? String)?.contains("expected") == true, "\(missingField.text)")
            }
        }
    }

    @Test("Bad input: not JSON, a missing field, a wrong type, an oversized body, an unknown route: JSON errors naming the problem")
    func badInput() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader, bodyBytesMax: 64) { api in
                let notJSON = try await api.call(.put, "/v1/kv/a", "{value: 1")
                #expect(notJSON.status == .badRequest && notJSON["code"] as? String == "bad_request")
                let missing = try await api.call(.put, "/v1/kv/a", #"{"valu": 1}"#)
                #expect(missing.status == .badRequest)
                #expect(missing["message"] as? String == "missing field 'value'")
                let wrongType = try await api.call(.post, "/v1/counters/c/add", #"{"delta": "one"}"#)
                #expect(wrongType.status == .badRequest)
                #expect(wrongType["message"] as? String == "field 'delta': expected an integer", "\(wrongType.text)")
                let empty = try await api.call(.put, "/v1/kv/a", nil)
                #expect(empty.status == .badRequest)
                let big = try await api.call(.put, "/v1/kv/a", #"{"value": ""# + String(repeating: "x", count: 100) + #""}"#)
                #expect(big.status == .contentTooLarge && big["code"] as? String == "payload_too_large")
                let unknown = try await api.call(.get, "/v1/nothing")
                #expect(unknown.status == .notFound && unknown["code"] as? String == "not_found")
                // Nothing of the refused writes was applied.
                #expect(await leader.localRead("a").value == nil)
                #expect(try await api.call(.put, "/v1/kv/a", #"{"value": 1}"#).status == .ok)
            }
        }
    }

    @Test("A bearer token: missing or wrong is 401 and changes nothing; right passes")
    func bearerToken() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader, token: "s3cret") { api in
                let none = try await api.call(.put, "/v1/kv/a", #"{"value": 1}"#)
                #expect(none.status == .unauthorized && none["code"] as? String == "unauthorized")
                let wrong = try await api.call(.put, "/v1/kv/a", #"{"value": 1}"#, token: "guess")
                #expect(wrong.status == .unauthorized)
                #expect(await leader.localRead("a").value == nil)
                #expect(try await api.call(.put, "/v1/kv/a", #"{"value": 1}"#, token: "s3cret").status == .ok)
            }
        }
    }

    @Test("The error rule: on the minority side of a partition, writes and linearizable reads answer no_quorum at once, and the write never takes effect")
    func minorityRefuses() async throws {
        try await withCluster(size: 3) { cluster in
            _ = try await cluster.waitForLeader()
            await cluster.partition([["node-1"], ["node-2", "node-3"]])
            let lonely = await cluster.node("node-1")!
            #expect(await cluster.waitUntil { await lonely.currentPartition?.side == .minority })
            try await withAPI(lonely) { api in
                let write = try await api.call(.put, "/v1/kv/x", #"{"value": "minority"}"#)
                #expect(write.status == .serviceUnavailable && write["code"] as? String == "no_quorum", "\(write.text)")
                let read = try await api.call(.get, "/v1/kv/x")
                #expect(read["code"] as? String == "no_quorum", "\(read.text)")
            }
            await cluster.heal()
            let majority = await cluster.node("node-2")!
            #expect(try await majority.propose("y", 1))
            #expect(await cluster.waitUntil { await lonely.localRead("y").value == 1 })
            // "not applied": the refused write is nowhere, even after healing.
            for node in await cluster.nodes { #expect(await node.localRead("x").value == nil) }
        }
    }
}
