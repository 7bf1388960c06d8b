import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Unreliable networks, durability and rollbacks")
struct RobustnessTests {
    // Reference: §5.1 ("servers retry RPCs ... and they issue RPCs in parallel"), §5.3 — RPCs are
    // idempotent: duplicated and reordered messages change nothing.
    @Test("§5.3 duplicated and reordered messages leave the same logs and state")
    func duplicatesAndReordering() throws {
        let c = InteractionCluster(voters: [1, 2, 3, 4, 5])
        c.campaign(1)
        for round in 0..<40 {
            c.handleReadies()
            if c.pending.isEmpty { break }
            if round % 2 == 0 { c.duplicatePending() } else { c.reversePending() }
            c.deliver()
            if round == 6 { _ = try? c.propose(1, batch: ["a", "b"]) }
            if round == 9 { _ = try? c.propose(1, "c") }
        }
        c.stabilize()
        c.tick(1)
        c.stabilize()
        #expect(c.leaders == [1])
        #expect(sameLog(c, [2, 3, 4, 5], as: 1))
        #expect(c.ids.allSatisfy { c.values($0) == ["a", "b", "c"] })
    }

    // Reference: §5.3, Figure 2 — the leader counts its own copy only once it is durable.
    @Test("Figure 2 the leader counts its own entry toward commit only once it is persisted")
    func leaderCountsItselfAfterPersisting() throws {
        let c = electedCluster([1])
        let index = try c.propose(1, "x")
        #expect(c[1].commitIndex == index - 1)
        c.handleReady(1)  // persists the entry; advance() lets it count
        #expect(c[1].commitIndex == index)
        c.handleReady(1)
        #expect(c.values(1) == ["x"])
    }

    // Reference: dissertation §4.1 — a configuration takes effect when its entry is appended;
    // if the entry is overwritten, the node falls back to the previous configuration.
    @Test("§4.1 an overwritten, uncommitted configuration entry is rolled back")
    func uncommittedConfigurationRolledBack() throws {
        let c = electedCluster()
        c.addNode(4)
        c.isolate(1)
        try c.proposeConfigChange(1, .addLearner(4))
        c.stabilize()
        #expect(c[1].configuration.learners == [4])
        // 2 and 3 never saw the change; they elect 2, which writes index 2 in term 2.
        #expect(c.elapse(only: [2, 3]) { c[2].isLeader || c[3].isLeader })
        let leader: NodeID = c[2].isLeader ? 2 : 3
        try c.propose(leader, "overwrites")
        c.stabilize()
        c.heal()
        c.tick(leader)
        c.stabilize()
        #expect(!c[1].isLeader)
        #expect(c[1].configuration == Configuration(voters: [1, 2, 3]))
        #expect(c[1].configuration == c[leader].configuration)
        #expect(c.values(1) == ["overwrites"])
        #expect(sameLog(c, [1], as: leader))
    }

    // Reference: §7 with Figure 2 — a follower that installed a snapshot restarts from it.
    @Test("§7 a follower restarted after installing the leader's snapshot resumes from it")
    func restartAfterInstallingSnapshot() throws {
        let c = electedCluster()
        c.isolate(3)
        try c.propose(1, batch: ["a", "b", "c"])
        c.stabilize()
        c.compact(1, upTo: 3)
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c.values(3) == ["a", "b", "c"])
        c.restart(3)
        #expect(c[3].firstIndex == 4)
        #expect(c.values(3) == ["a", "b"])  // from the snapshot (index 3); entry 4 is re-applied
        c.stabilize()
        #expect(c.values(3) == ["a", "b", "c"])
        try c.propose(1, "d")
        c.stabilize()
        #expect(c.values(3) == ["a", "b", "c", "d"])
    }

    // Reference: dissertation §6.4 — with a single voter there is nobody to ask: the read is
    // answered at once (once the no-op is committed).
    @Test("§6.4 a single-node leader answers reads at once")
    func singleNodeRead() throws {
        let c = electedCluster([1])
        try c.readIndex(1, context: 3)
        c.handleReadies()
        #expect(c.readStates[1] == [ReadState(context: 3, index: 1)])
        #expect(c.history.allSatisfy { $0.name != "MsgHeartbeat" })
    }

    // Reference: dissertation §9.6 with §6.2 — after the partition heals, the node that was cut
    // off takes the current leader's log without an election.
    @Test("§9.6 a minority partition cannot elect a leader, and rejoins without an election")
    func minorityPartition() throws {
        let c = electedCluster([1, 2, 3, 4, 5])
        c.isolate(4)
        c.isolate(5)
        c.cut(4, 5)
        try c.propose(1, "majority")
        c.elapse(60)
        #expect(c.leaders == [1])
        #expect(c[4].term == 1 && c[5].term == 1)
        #expect(c[1].commitIndex == 2)
        c.heal()
        c.elapse(3)
        #expect(c.leaders == [1])
        #expect(c.ids.allSatisfy { c[$0].term == 1 && c.values($0) == ["majority"] })
    }
}
