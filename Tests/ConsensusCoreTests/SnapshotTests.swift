import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Log compaction and InstallSnapshot (§7)")
struct SnapshotTests {
    // Reference: §7 — the snapshot replaces the committed prefix of the log.
    @Test("§7 compaction drops the log prefix in memory and in storage")
    func compaction() throws {
        let c = electedCluster()
        try c.propose(1, batch: ["a", "b", "c"])
        c.stabilize()
        c.compact(1, upTo: 3)
        #expect(c[1].firstIndex == 4)
        #expect(c[1].term(at: 2) == nil)
        #expect(c[1].term(at: 3) == 1)  // the snapshot boundary keeps its term
        let storage = c.storages[1]!
        #expect(storage.snapshot.metadata.index == 3 && storage.snapshot.metadata.term == 1)
        #expect(storage.entries.map(\.index) == [4])
        #expect(c[1].lastIndex == 4)
    }

    // Reference: §7 — a follower that is too far behind receives InstallSnapshot, then the
    // entries after it.
    @Test("§7 a lagging follower receives InstallSnapshot and catches up")
    func laggingFollowerGetsSnapshot() throws {
        let c = electedCluster()
        c.isolate(3)
        for i in 1...5 { try c.propose(1, "v\(i)") }
        c.stabilize()
        c.compact(1, upTo: 4)
        try c.propose(1, "after-snapshot")
        c.stabilize()
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c.history.contains { $0.description == "1->3 MsgSnap Term:1 Snapshot:1/4 voters=(1,2,3)" })
        #expect(c.values(3) == c.values(1))
        #expect(c.values(3) == ["v1", "v2", "v3", "v4", "v5", "after-snapshot"])
        #expect(c[3].firstIndex == 5 && c[3].lastIndex == c[1].lastIndex)
        #expect(c.storages[3]!.snapshot.metadata.index == 4)
    }

    // Reference: §7 with dissertation §4.2.1 — a node added after the log was compacted starts
    // from the snapshot.
    @Test("§7 a node added after compaction receives the snapshot")
    func newNodeGetsSnapshot() throws {
        let c = electedCluster()
        try c.propose(1, batch: ["a", "b"])
        c.stabilize()
        c.compact(1, upTo: 3)
        c.addNode(4)
        try c.proposeConfigChange(1, .addLearner(4))
        c.stabilize()
        #expect(c.history.contains { $0.to == 4 && $0.name == "MsgSnap" })
        #expect(c.values(4) == ["a", "b"])
        #expect(c[4].configuration == Configuration(voters: [1, 2, 3], learners: [4]))
        #expect(c.logTerms(4) == c.logTerms(1))
    }

    // Reference: §7 — "the snapshot also includes ... the latest configuration as of the last
    // included index" (and dissertation §5.1 for a restarted node).
    @Test("§7 the snapshot carries the configuration")
    func snapshotCarriesConfiguration() throws {
        let c = electedCluster()
        c.isolate(3)
        c.addNode(4)
        try c.proposeConfigChange(1, .addLearner(4))
        c.stabilize()
        try c.proposeConfigChange(1, .promote(4))
        c.stabilize()
        try c.propose(1, "x")
        c.stabilize()
        let upTo = c[1].appliedIndex
        c.compact(1, upTo: upTo)
        let all = Configuration(voters: [1, 2, 3, 4])
        #expect(c.storages[1]!.snapshot.metadata.configuration == all)
        // 3 missed both changes: it learns them from the snapshot.
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c.history.contains { $0.to == 3 && $0.name == "MsgSnap" })
        #expect(c[3].configuration == all)
        #expect(c.storages[3]!.snapshot.metadata.configuration == all)
        // A restart reads the configuration back from the snapshot.
        c.restart(1)
        #expect(c[1].configuration == all)
    }

    // Reference: §7 — a restarted node loads its snapshot, then replays the entries after it.
    @Test("§7 a node restarts from its snapshot plus the entries after it")
    func restartFromSnapshot() throws {
        let c = electedCluster()
        try c.propose(1, batch: ["a", "b"])
        c.stabilize()
        c.compact(2, upTo: c[2].appliedIndex)
        try c.propose(1, batch: ["c", "d"])
        c.stabilize()
        let lastIndex = c[2].lastIndex
        c.restart(2)
        #expect(c[2].firstIndex == 4)
        #expect(c[2].lastIndex == lastIndex)
        #expect(c.values(2) == ["a", "b"])  // the state machine as of the snapshot
        c.stabilize()
        #expect(c.values(2) == ["a", "b", "c", "d"])
        #expect(c[2].appliedIndex == lastIndex)
    }
}
