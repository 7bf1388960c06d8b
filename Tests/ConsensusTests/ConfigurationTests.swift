@testable import Consensus
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
            // Once the leader has noticed that it is cut off, a new write is refused at once
            // (`false`: it never takes effect), without waiting for the timeout.
            #expect(await cluster.waitUntil { await leader.currentPartition?.side == .minority })
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

/// No configuration value may crash the process (issue 10): each is refused by `validate()`
/// (which `start()` calls) with a reason naming the field, and the tick arithmetic never traps.
@Suite("Configuration: no value crashes; each refusal names its field")
struct ConfigurationValidationTests {
    /// The field `validate()` names for `configuration`, or `nil` if it is valid; the error's
    /// description is built too, since a huge `Duration` traps in its own description.
    private static func refusedField(_ configuration: ConsensusConfiguration) -> String? {
        do {
            try configuration.validate()
            return nil
        } catch {
            guard case let .invalidConfiguration(field, reason) = error else { return "unexpected \(error)" }
            #expect(error.code == .invalidConfiguration)
            #expect(error.description.contains(field) && !reason.isEmpty)
            return field
        }
    }

    private static func raft(_ change: (inout ConsensusConfiguration) -> Void) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft()
        change(&c)
        return c
    }

    /// Far beyond `durationMax`, and beyond what `Duration`'s description (and `Int(Double)`)
    /// can take.
    static let huge = Duration.seconds(1e20)
    static let hugeNegative = Duration.zero - Duration.seconds(1e20)

    @Test("The bug: electionTimeout with min greater than max is a validation error naming the field, not a ClosedRange trap")
    func electionTimeoutMinAboveMax() throws {
        #expect(throws: ConsensusError.self) {
            try ConsensusConfiguration.electionTimeoutRange(min: .seconds(2), max: .seconds(1))
        }
        do {
            _ = try ConsensusConfiguration.electionTimeoutRange(min: .seconds(2), max: .seconds(1))
        } catch {
            guard case let .invalidConfiguration(field, reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(field == "electionTimeout")
            #expect(reason.contains("min must not exceed max"))
        }
        let range = try ConsensusConfiguration.electionTimeoutRange(min: .seconds(1), max: .seconds(2))
        #expect(range == .seconds(1)...(.seconds(2)))
        // The range it builds is what a configuration takes, and it validates.
        var c = ConsensusConfiguration.raft()
        c.electionTimeout = range
        try c.validate()
    }

    @Test("electionTimeoutRange refuses what validate refuses for electionTimeout: equal bounds, zero, negative, huge",
          arguments: [(Duration.seconds(1), Duration.seconds(1)), (.zero, .seconds(1)), (.seconds(-1), .seconds(1)),
                      (.seconds(1), ConfigurationValidationTests.huge),
                      (ConfigurationValidationTests.hugeNegative, .seconds(1))])
    func electionTimeoutRangeRefusals(min: Duration, max: Duration) {
        #expect(throws: ConsensusError.self) { try ConsensusConfiguration.electionTimeoutRange(min: min, max: max) }
    }

    @Test("Every field is checked, and the refusal names it",
          arguments: [
              ("timeout", raft { $0.timeout = .zero }),
              ("timeout", raft { $0.timeout = .seconds(-5) }),
              ("timeout", raft { $0.timeout = huge }),
              ("timeout", raft { $0.timeout = hugeNegative }),
              ("quorum", raft { $0.quorum = .nan }),
              ("quorum", raft { $0.quorum = .infinity }),
              ("quorum", raft { $0.quorum = -.infinity }),
              ("quorum", .simpleMajority(quorum: .signalingNaN)),
              ("heartbeatInterval", raft { $0.heartbeatInterval = .zero }),
              ("heartbeatInterval", raft { $0.heartbeatInterval = .microseconds(999) }),
              ("heartbeatInterval", raft { $0.heartbeatInterval = huge }),
              ("heartbeatInterval", .raft(heartbeatInterval: huge)),
              ("heartbeatInterval", .raft(heartbeatInterval: hugeNegative)),
              ("electionTimeout", raft { $0.electionTimeout = .seconds(1)...huge }),
              ("electionTimeout", raft { $0.electionTimeout = hugeNegative...(.seconds(1)) }),
              ("electionTimeout", raft { $0.electionTimeout = .seconds(-2)...(.seconds(1)) }),
              ("batchWindow", raft { $0.batchWindow = .milliseconds(-1) }),
              ("batchWindow", raft { $0.batchWindow = huge }),
              ("batchWindow", raft { $0.batchUpdates = true; $0.batchWindow = $0.timeout }),
              ("compressionThreshold", raft { $0.compressionThreshold = -1 }),
              ("snapshotInterval", raft { $0.snapshotInterval = .min }),
              ("unreachableAfter", raft { $0.unreachableAfter = $0.heartbeatInterval }),
              ("unreachableAfter", raft { $0.unreachableAfter = huge }),
              ("limits.pendingProposalsMax", raft { $0.limits.pendingProposalsMax = 0 }),
              // More in flight than the exactly-once window remembers: a late re-send would be
              // taken for a duplicate.
              ("limits.pendingProposalsMax", raft { $0.limits.pendingProposalsMax = 4_097 }),
              ("limits.pendingReadsMax", raft { $0.limits.pendingReadsMax = -1 }),
              ("limits.majorityRoundsMax", raft { $0.limits.majorityRoundsMax = .min }),
              ("limits.batchEntriesMax", raft { $0.limits.batchEntriesMax = 0 }),
              ("limits.forwardHopsMax", raft { $0.limits.forwardHopsMax = 0 }),
              ("limits.deferredInputsMax", raft { $0.limits.deferredInputsMax = 0 }),
              ("limits.eventBufferMax", raft { $0.limits.eventBufferMax = 0 }),
          ] as [(String, ConsensusConfiguration)])
    func everyFieldNamed(field: String, configuration: ConsensusConfiguration) {
        #expect(Self.refusedField(configuration) == field)
    }

    @Test("The longest durations allowed are valid, and the ticks derived from them fit")
    func longestDurationsValid() throws {
        let max = ConsensusConfiguration.durationMax
        var c = ConsensusConfiguration.raft(timeout: max, heartbeatInterval: .milliseconds(1),
                                            electionTimeout: try ConsensusConfiguration.electionTimeoutRange(min: max / 2, max: max))
        c.unreachableAfter = max
        try c.validate()
        let options = c.raftOptions
        #expect(options.electionTicksMin < options.electionTicksMax)
        #expect(options.validationError() == nil)
        #expect(Self.refusedField(Self.raft { $0.timeout = max + .nanoseconds(1) }) == "timeout")
    }

    @Test("raftOptions never traps, even on values validate() refuses (zero heartbeat, huge or negative timeouts)",
          arguments: [raft { $0.heartbeatInterval = .zero }, raft { $0.electionTimeout = .seconds(1)...huge },
                      raft { $0.heartbeatInterval = huge }, raft { $0.electionTimeout = hugeNegative...(.seconds(-1)) }])
    func raftOptionsNeverTrap(configuration: ConsensusConfiguration) {
        let options = configuration.raftOptions
        #expect(options.electionTicksMin >= 3 && options.electionTicksMax > options.electionTicksMin)
        #expect(options.electionTicksMax <= Int(Int32.max) + 1)
    }

    @Test("start() refuses an invalid configuration before anything runs, with the same field")
    func startRefuses() async {
        let node = ConsensusTrait(nodeID: "n1", configuration: Self.raft { $0.heartbeatInterval = Self.huge })
        await #expect(throws: ConsensusError.self) { try await node.start() }
        #expect(!(await node.isRunning))
        do {
            try await node.start()
        } catch {
            guard case .invalidConfiguration(let field, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(field == "heartbeatInterval")
        }
    }
}
