import Foundation
import Testing

/// A real network partition: three `consensus node` processes, one per network namespace, peers
/// talking over veth links joined by a bridge. Taking a member's link down makes the kernel drop
/// its packets: no admin endpoint, no cooperation from the member (the partition the admin
/// endpoint only imitates). Real time: every wait polls with a generous bound.
@Suite("A real network partition (network namespaces)", .serialized)
struct NetworkPartitionTests {
    @Test("The leader's link goes down: it answers no_quorum and its write never takes effect; the others elect a leader and serve; the link comes back and it catches up",
          .enabled(if: NetworkNamespaces.unavailableReason == nil,
                   "needs root, iproute2's ip and permission to create network namespaces (see NetworkNamespaces.unavailableReason)"))
    func leaderCutOff() async throws {
        let hosts = try NetworkNamespaces(count: 3)
        defer { hosts.destroy() }
        let ids = ["r1", "r2", "r3"]
        let placements = ids.enumerated().map { i, id in
            NodeProcesses.Placement(id: id, peerHost: hosts.dataAddress(i + 1), peerPort: 7000,
                                    apiHost: hosts.managementAddress(i + 1), apiPort: 8000, namespace: hosts.namespaces[i])
        }
        let cluster = try NodeProcesses(placements: placements)
        // (Declared after the namespaces: the processes stop before their namespaces go.)
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil }, "no leader: \(cluster.log("r1"))")
        let old = try #require(await cluster.leader(among: ids))
        #expect(await cluster.call(old, "PUT", "/v1/kv/before", #"{"value": 1}"#)?.status == 200)

        try hosts.setConnected(ids.firstIndex(of: old)! + 1, false)
        let survivors = ids.filter { $0 != old }
        #expect(await cluster.eventually { if let l = await cluster.leader(among: survivors) { return l != old } else { return false } },
                "the connected members elected no leader: \(cluster.log(survivors[0]))")

        // The cut-off member learns it is alone (reads are harmless to retry), then refuses a
        // write at once with a code that promises it never takes effect.
        #expect(await cluster.eventually {
            await cluster.call(old, "GET", "/v1/kv/before")?.json["code"] as? String == "no_quorum"
        }, "the cut-off member never said no_quorum: \(cluster.log(old))")
        let refused = await cluster.call(old, "PUT", "/v1/kv/lost", #"{"value": "minority"}"#)
        #expect(refused?.json["code"] as? String == "no_quorum", "\(String(describing: refused?.json))")

        // The majority serves.
        var written = false
        _ = await cluster.eventually {
            guard let reply = await cluster.call(survivors[0], "PUT", "/v1/kv/after", #"{"value": 2}"#) else { return false }
            if reply.status == 200 { written = true; return true }
            return reply.json["code"] as? String == "timeout"   // unknown outcome: do not retry
        }
        #expect(written)

        // Heal: the old leader follows the new one and catches up; the refused write is nowhere.
        try hosts.setConnected(ids.firstIndex(of: old)! + 1, true)
        #expect(await cluster.eventually {
            await cluster.call(old, "GET", "/v1/kv/after?consistency=local")?.json["value"] as? Int == 2
        }, "the old leader never caught up: \(cluster.log(old))")
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil })
        for id in ids {
            #expect(await cluster.call(id, "GET", "/v1/kv/lost?consistency=local")?.status == 404, "\(id) holds the refused write")
            #expect(await cluster.call(id, "GET", "/v1/kv/before?consistency=local")?.json["value"] as? Int == 1)
        }
    }
}
