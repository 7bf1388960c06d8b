import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Linearizable reads with ReadIndex (dissertation §6.4)")
struct ReadIndexTests {
    // Reference: dissertation §6.4 — the leader records its commit index, confirms it still
    // leads with a round of heartbeats acknowledged by a majority, then answers.
    @Test("§6.4 the leader answers a read after a heartbeat round acknowledged by a majority")
    func leaderRead() throws {
        let c = electedCluster()
        let index = try c.propose(1, "w")
        c.stabilize()
        try c.readIndex(1, context: 42)
        c.handleReadies()
        #expect(c.readStates[1]!.isEmpty)
        #expect(c.pending.map(\.description) == [
            "1->2 MsgHeartbeat Term:1 Commit:2 Read:1", "1->3 MsgHeartbeat Term:1 Commit:2 Read:1",
        ])
        c.deliver(where: { $0.to == 2 })  // one acknowledgement makes a majority with the leader
        c.handleReadies()
        c.deliver(where: { $0.to == 1 })
        c.handleReadies()
        #expect(c.readStates[1] == [ReadState(context: 42, index: index)])
    }

    // Reference: dissertation §6.4, "batching": the leader may confirm many reads with one round
    // of heartbeats. Reads that arrive between two Readys share the round sent with the next one.
    @Test("§6.4 reads arriving before the next Ready share one heartbeat round, and are answered together")
    func readsShareOneRound() throws {
        let c = electedCluster()
        let index = try c.propose(1, "w")
        c.stabilize()
        for context: UInt64 in 1...10 { try c.readIndex(1, context: context) }
        c.handleReadies()
        #expect(c.pending.map(\.description) == [
            "1->2 MsgHeartbeat Term:1 Commit:2 Read:10", "1->3 MsgHeartbeat Term:1 Commit:2 Read:10",
        ])
        // A read after that round needs a round of its own.
        try c.readIndex(1, context: 11)
        c.handleReadies()
        #expect(c.pending.suffix(2).map(\.description) == [
            "1->2 MsgHeartbeat Term:1 Commit:2 Read:11", "1->3 MsgHeartbeat Term:1 Commit:2 Read:11",
        ])
        c.stabilize()
        #expect(c.readStates[1] == (1...11).map { ReadState(context: $0, index: index) })
    }

    // Reference: dissertation §6.4 — a follower's read is forwarded to the leader, which answers
    // with the read index.
    @Test("§6.4 a follower's read is forwarded to the leader")
    func followerRead() throws {
        let c = electedCluster()
        try c.propose(1, "w")
        c.stabilize()
        try c.readIndex(2, context: 7)
        c.stabilize()
        #expect(c.readStates[2] == [ReadState(context: 7, index: 2)])
        #expect(c.history.contains { $0.description == "2->1 MsgReadIndex Term:1 Context:7" })
        #expect(c.history.contains { $0.description == "1->2 MsgReadIndexResp Term:1 Context:7 Index:2" })
    }

    // Reference: dissertation §6.4 step 1 — a new leader does not know the commit index until it
    // commits an entry of its term, so it answers no read before its no-op commits.
    @Test("§6.4 a new leader answers no read before its no-op commits")
    func newLeaderWaitsForNoop() throws {
        let c = InteractionCluster(voters: [1, 2, 3])
        c.dropFilter = { $0.from == 1 && $0.name == "MsgApp" }
        c.campaign(1)
        c.stabilize()
        #expect(c[1].isLeader && c[1].commitIndex == 0)
        try c.readIndex(1, context: 9)
        c.tick(1)
        c.stabilize()
        #expect(c.readStates[1]!.isEmpty)
        c.dropFilter = nil
        c.tick(1)
        c.stabilize()
        #expect(c[1].commitIndex == 1)
        #expect(c.readStates[1] == [ReadState(context: 9, index: 1)])
    }

    // Reference: dissertation §6.4 — a leader cut off from the majority cannot confirm its
    // leadership and never answers; once deposed it refuses reads.
    @Test("§6.4 a partitioned leader does not answer reads")
    func partitionedLeaderDoesNotAnswer() throws {
        let c = electedCluster()
        c.isolate(1)
        try c.readIndex(1, context: 5)
        c.elapse(only: [1], limit: 30) { !c[1].isLeader }
        #expect(!c[1].isLeader)
        #expect(c.readStates[1]!.isEmpty)
        #expect(throws: RaftError.notLeader(leader: nil)) { try c.readIndex(1, context: 6) }
        // Meanwhile the majority elects a new leader and takes a write the old leader never saw.
        #expect(c.elapse(only: [2, 3]) { c.leader == 2 || c.leader == 3 })
        try c.propose(c.leader!, "newer")
        c.stabilize()
        c.heal()
        c.stabilize()
        #expect(c.readStates[1]!.isEmpty)
    }

    // Reference: dissertation §6.4 — the read index covers every write committed before the read.
    @Test("§6.4 a read issued after a write completes observes it")
    func readObservesCompletedWrite() throws {
        let c = electedCluster()
        let first = try c.propose(1, "a")
        c.stabilize()
        let second = try c.propose(1, "b")
        c.stabilize()
        try c.readIndex(3, context: 1)
        c.stabilize()
        let read = try #require(c.readStates[3]!.first)
        #expect(read.index >= second && second > first)
        #expect(c[3].appliedIndex >= read.index)
        #expect(c.values(3) == ["a", "b"])
    }
}
