import Consensus
import Testing

/// Each configuration field of the lesson does what it says; invalid values are refused by
/// `start()` with an error naming the field.
@Suite("Configuration")
struct ConfigurationTests {
    // MARK: - Effects

    /// Appends carrying entries while `count` proposals are made concurrently on the leader.
    private static func appendsFor(count: Int, batchUpdates: Bool) async throws -> Int {
        try await withCluster(configuration: .fastRaft(batchUpdates: batchUpdates)) { cluster in
            let leader = try await cluster.waitForLeader()
            try await leader.propose("warm-up", true)
            #expect(await cluster.waitUntilEveryMember(has: "warm-up", true))
            let before = cluster.network.statistics.appendsWithEntries
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<count { group.addTask { try await leader.propose("key-\(i)", .int(Int64(i))) } }
                for try await accepted in group { #expect(accepted) }
            }
            #expect(await cluster.waitUntilEveryMember(has: "key-\(count - 1)", .int(Int64(count - 1))))
            return cluster.network.statistics.appendsWithEntries - before
        }
    }

    @Test("batchUpdates: concurrent proposals within batchWindow go out in far fewer appends")
    func batchUpdatesReducesAppends() async throws {
        let unbatched = try await Self.appendsFor(count: 30, batchUpdates: false)
        let batched = try await Self.appendsFor(count: 30, batchUpdates: true)
        print("batchUpdates: 30 proposals took \(unbatched) appends unbatched, \(batched) batched")
        #expect(batched * 3 <= unbatched, "batched: \(batched) appends, unbatched: \(unbatched)")
    }

    /// Entry payload bytes on the wire for one large, repetitive value.
    private static func payloadBytesFor(compression: Bool) async throws -> Int {
        let large = ConsensusValue.string(String(repeating: "the same player state again; ", count: 2_000))
        return try await withCluster(configuration: .fastRaft(compression: compression)) { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            let before = cluster.network.statistics.payloadBytes
            #expect(try await leader.propose("world", large))
            #expect(await cluster.waitUntilEveryMember(has: "world", large), "the value survives compression intact")
            #expect(try await follower.value("world") == large)
            return cluster.network.statistics.payloadBytes - before
        }
    }

    @Test("compression: a large repetitive value takes far fewer bytes on the wire, and reads back intact")
    func compressionShrinksPayload() async throws {
        let plain = try await Self.payloadBytesFor(compression: false)
        let compressed = try await Self.payloadBytesFor(compression: true)
        print("compression: \(plain) payload bytes plain, \(compressed) compressed")
        // Two followers receive the ~58 KB entry at least once each.
        #expect(plain >= 2 * 58_000)
        #expect(compressed * 10 < plain, "compressed: \(compressed) bytes, plain: \(plain)")
    }

    @Test("snapshotInterval: the log stays bounded, and a restarted and a newly added member catch up from a snapshot")
    func snapshotIntervalBoundsLog() async throws {
        let interval = 20
        try await withCluster(configuration: .fastRaft(snapshotInterval: interval)) { cluster in
            let leader = try await cluster.waitForLeader()
            let behind = await cluster.followers(of: leader)[0]
            await cluster.kill(behind.nodeID)
            for i in 0..<120 { #expect(try await leader.propose("k\(i)", .int(Int64(i)))) }
            let running = await cluster.followers(of: leader) + [leader]
            for node in running {
                let caughtUp = await cluster.waitUntil { (try? await node.value("k119")) == 119 }
                #expect(caughtUp)
                let debug = await node.debugState
                // A snapshot every `interval` applied entries: never much more than that in memory.
                #expect(debug.logLength <= interval + 5, "\(node.nodeID): \(debug.logLength) entries")
                #expect(debug.snapshotIndex >= 100, "\(node.nodeID) snapshotted (at \(debug.snapshotIndex))")
            }

            // The killed member comes back behind the compacted log: it gets the snapshot.
            try await cluster.restart(behind.nodeID)
            #expect(await cluster.waitUntil { (try? await behind.value("k119")) == 119 })
            #expect(try await behind.value("k0") == 0)
            #expect(await behind.debugState.snapshotIndex >= 100)

            // A member added now starts from a snapshot too.
            try await cluster.add("node-4")
            let newcomer = try #require(await cluster.node("node-4"))
            #expect(await cluster.waitUntil { (try? await newcomer.value("k119")) == 119 })
            #expect(try await newcomer.value("k50") == 50)
            #expect(await newcomer.debugState.snapshotIndex >= 100)
            #expect(await newcomer.debugState.logLength <= interval + 10)
        }
    }

    @Test("timeout: a proposal that cannot reach a quorum fails with timedOut in its result (outcome unknown), and propose throws it rather than answering false")
    func timeoutFailsProposalWithoutQuorum() async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.timeout = .milliseconds(1000)
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            for f in followers { await cluster.kill(f.nodeID) }
            let result = try await leader.proposeWithResult("lonely", true)
            #expect(!result.accepted)
            #expect(result.error == ConsensusError.timedOut.description)
            #expect(result.errorCode == .timeout && result.outcomeUnknown)
            // The lone node also cannot serve a linearizable read.
            await #expect(throws: ConsensusError.self) { try await leader.value("lonely", consistency: .linearizable) }
            // By now the leader has noticed that it is cut off: a new write is refused at once
            // (`false`: it never takes effect), without waiting for the timeout.
            #expect(await leader.currentPartition?.side == .minority)
            let refused = try await leader.proposeWithResult("lonely", false)
            #expect(refused.errorCode == .noQuorum && !refused.outcomeUnknown)
            #expect(try await leader.propose("lonely", false) == false)
        }
    }

    @Test("heartbeatInterval and electionTimeout: short values elect a leader that every member follows")
    func timingElectsLeader() async throws {
        try await withCluster(size: 5) { cluster in
            let leader = try await cluster.waitForLeader()
            let term = await leader.debugState.currentTerm
            for node in await cluster.nodes {
                let follows = await cluster.waitUntil {
                    if await node.leader?.id == leader.nodeID { return true }
                    return await leader.debugState.currentTerm != term   // a later election: fine too
                }
                #expect(follows)
            }
        }
    }

    // MARK: - Refusals

    private static func refusal(_ configuration: ConsensusConfiguration) async -> (field: String, reason: String)? {
        let node = ConsensusTrait(nodeID: "node-001", configuration: configuration)
        do {
            try await node.start()
            await node.stop()
            return nil
        } catch {
            if case let .invalidConfiguration(field, reason) = error { return (field, reason) }
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("The lesson's values and the defaults are valid")
    func validConfigurations() async throws {
        try ConsensusConfiguration.raft().validate()
        try ConsensusConfiguration.fastRaft().validate()
        try ConsensusConfiguration.raft(
            timeout: .seconds(3), heartbeatInterval: .milliseconds(1000),
            electionTimeout: .milliseconds(3000)...(.milliseconds(5000))).validate()
        try ConsensusConfiguration.simpleMajority(timeout: .seconds(5), quorum: 0.51).validate()
        try ConsensusConfiguration.simpleMajority(quorum: 1).validate()
    }

    @Test("Refused: heartbeat not well below the election timeout")
    func refusesSlowHeartbeat() async {
        for heartbeat in [Duration.milliseconds(200), .milliseconds(1000), .milliseconds(5000)] {
            let refused = await Self.refusal(.raft(heartbeatInterval: heartbeat, electionTimeout: .milliseconds(300)...(.milliseconds(600))))
            #expect(refused?.field == "heartbeatInterval", "heartbeat \(heartbeat)")
            #expect(refused?.reason.contains("election timeout") == true)
        }
    }

    @Test("Refused: a degenerate election timeout range")
    func refusesDegenerateElectionRange() async {
        let single = await Self.refusal(.raft(heartbeatInterval: .milliseconds(100), electionTimeout: .milliseconds(1000)...(.milliseconds(1000))))
        #expect(single?.field == "electionTimeout")
        #expect(single?.reason.contains("range") == true)
        let zero = await Self.refusal(.raft(heartbeatInterval: .milliseconds(100), electionTimeout: .zero...(.milliseconds(1000))))
        #expect(zero?.field == "electionTimeout")
    }

    @Test("Refused: quorum outside (0, 1]")
    func refusesQuorum() async {
        for quorum in [0, -0.5, 1.01, 2, Double.nan] {
            var raft = ConsensusConfiguration.raft()
            raft.quorum = quorum
            #expect(await Self.refusal(raft)?.field == "quorum", "raft, quorum \(quorum)")
            #expect(await Self.refusal(.simpleMajority(quorum: quorum))?.field == "quorum", "simple_majority, quorum \(quorum)")
        }
    }

    @Test("Refused: negative snapshotInterval, non-positive timeout, negative batchWindow")
    func refusesOtherFields() async {
        #expect(await Self.refusal(.raft(snapshotInterval: -1))?.field == "snapshotInterval")
        #expect(await Self.refusal(.raft(timeout: .zero))?.field == "timeout")
        #expect(await Self.refusal(.raft(batchWindow: .milliseconds(-1)))?.field == "batchWindow")
        let error = ConsensusError.invalidConfiguration(field: "snapshotInterval", reason: "must not be negative")
        #expect(error.description.contains("snapshotInterval"))
        // snapshotInterval 0 disables snapshots: valid.
        #expect(await Self.refusal(.raft(snapshotInterval: 0)) == nil)
    }
}
