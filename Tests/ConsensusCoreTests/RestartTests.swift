import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Persistent state and restarts (Figure 2)")
struct RestartTests {
    // Reference: Figure 2 ("Persistent state on all servers: currentTerm, votedFor, log[]").
    @Test("Figure 2 a node rebuilt from its storage keeps term, vote and log")
    func restartKeepsPersistentState() throws {
        let c = InteractionCluster(voters: [1, 2, 3])
        c.campaign(2)
        c.stabilize()
        try c.propose(2, batch: ["a", "b"])
        c.stabilize()
        let before = c[3]
        c.restart(3)
        let after = c[3]
        #expect(after.term == before.term && after.term == 1)
        #expect(after.vote == 2)
        #expect(after.lastIndex == before.lastIndex)
        #expect(c.logTerms(3) == [1, 1, 1])
        #expect(after.commitIndex == before.commitIndex)
        #expect(after.role == .follower && after.leader == nil)
        c.stabilize()
        #expect(c.values(3) == ["a", "b"])  // re-applied from the log
    }

    // Reference: §5.2 with Figure 2 — the vote survives a crash, so a node cannot vote twice in a term.
    @Test("§5.2 a restarted node does not vote twice in the same term")
    func restartDoesNotVoteTwice() {
        var storage = MemoryRaftStorage(bootstrap: [1, 2, 3])
        var n = node(3, storage.persistentState)
        n.step(Message(from: 1, to: 3, term: 5, kind: .vote(lastIndex: 0, lastTerm: 0, leadershipTransfer: false)))
        let rd = n.ready()
        storage.persist(rd)
        n.advance(rd)
        #expect(rd.messages.map(\.description) == ["3->1 MsgVoteResp Term:5"])

        var restarted = node(3, storage.persistentState)
        restarted.step(Message(from: 2, to: 3, term: 5, kind: .vote(lastIndex: 0, lastTerm: 0, leadershipTransfer: false)))
        #expect(restarted.drainMessages().map(\.description) == ["3->2 MsgVoteResp Term:5 Rejected"])
        #expect(restarted.vote == 1)
    }

    // Reference: §5.4 (State Machine Safety) — a restarted leader loses leadership but no
    // committed entry.
    @Test("§5.4 a restarted leader comes back as a follower and loses no committed entry")
    func leaderRestart() throws {
        let c = electedCluster()
        try c.propose(1, "durable")
        c.stabilize()
        c.restart(1)
        #expect(c[1].role == .follower && c[1].term == 1)
        let leader = try #require(c.elapseUntilLeader())
        try c.propose(leader, "later")
        c.stabilize()
        for id in c.ids { #expect(c.values(id) == ["durable", "later"]) }
    }

    // Reference: Figure 2 / Ready duties — what was sent was persisted first: a node restarted
    // right after any batch has at least the entries it acknowledged.
    @Test("Figure 2 an acknowledged entry is in the follower's storage")
    func acknowledgedMeansPersisted() throws {
        let c = electedCluster()
        try c.propose(1, "x")
        c.handleReadies()
        c.deliver()
        c.handleReadies()  // 2 and 3 persist, then acknowledge
        let acks = c.pending.filter { $0.name == "MsgAppResp" }
        #expect(acks.count == 2)
        for ack in acks {
            guard case let .appendResponse(true, index, _, _) = ack.kind else { Issue.record("not an ack"); continue }
            #expect(c.storages[ack.from]!.lastIndex >= index)
        }
    }
}
