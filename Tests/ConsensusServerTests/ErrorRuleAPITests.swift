import Consensus
import ConsensusTesting
import Testing

/// The HTTP API's error rule (issue 12): every code but `timeout` promises that the write did
/// not and will not take effect. One scenario per code not covered elsewhere (`no_quorum` and
/// `bad_request` are in KeyValueAPITests, `rejected` in TransactionAPITests, `unauthorized` in
/// the bearer-token test): each shows the refused write nowhere, also after the cluster
/// recovers. In virtual time.
@Suite("HTTP API: the error rule")
struct ErrorRuleAPITests {
    @Test("no_leader: a member of a cluster that never elected anyone refuses the write; once its peers start and elect, the write is nowhere")
    func noLeader() async throws {
        try await withVirtualTime { clock in
            let cluster = LocalCluster(size: 3, configuration: .fastRaft(), clock: clock)
            let lonely = await cluster.node("node-1")!
            try await lonely.start()
            try await withAPI(lonely) { api in
                let write = try await api.call(.put, "/v1/kv/x", #"{"value": "no leader"}"#)
                #expect(write["code"] as? String == "no_leader", "\(write.text)")
                #expect(write.status == .serviceUnavailable)
            }
            try await cluster.start()
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.propose("y", 1))
            for node in await cluster.nodes {
                #expect(await cluster.waitUntil { await node.localRead("y").value == 1 })
                #expect(await node.localRead("x").value == nil)
            }
            await cluster.stop()
        }
    }

    @Test("overloaded: beyond limits.pendingProposalsMax a write is refused at once and never reaches the log; the others are applied")
    func overloaded() async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.limits.pendingProposalsMax = 2
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader()
            try await withAPI(leader) { api in
                let replies = try await withThrowingTaskGroup(of: (Int, Reply).self) { group in
                    for i in 0..<12 {
                        group.addTask { (i, try await api.call(.put, "/v1/kv/k\(i)", #"{"value": \#(i)}"#)) }
                    }
                    return try await group.reduce(into: [Int: Reply]()) { $0[$1.0] = $1.1 }
                }
                let refused = replies.filter { $0.value["code"] as? String == "overloaded" }.map(\.key)
                let written = replies.filter { $0.value.status == .ok }.map(\.key)
                #expect(!refused.isEmpty, "12 concurrent writes with room for 2 were all taken")
                #expect(refused.count + written.count == 12, "\(replies.mapValues(\.text))")
                #expect(replies.values.allSatisfy { $0.status == .ok || $0.status == .serviceUnavailable || $0.status == .tooManyRequests })
                #expect(try await leader.propose("barrier", true))
                for node in await cluster.nodes {
                    #expect(await cluster.waitUntil { await node.localRead("barrier").value == true })
                    for i in refused { #expect(await node.localRead("k\(i)").value == nil, "k\(i) was refused but applied") }
                    for i in written { #expect(await node.localRead("k\(i)").value == .int(Int64(i))) }
                }
            }
        }
    }
}
