import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Log replication and repair (§5.3)")
struct ReplicationTests {
    // Reference: §5.3 — the leader appends the command, replicates it, commits it once a
    // majority stores it, and every server applies it in log order.
    @Test("§5.3 a proposal is replicated, committed and applied everywhere in order")
    func proposalIsReplicated() throws {
        let c = electedCluster()
        #expect(try c.propose(1, "a") == 2)
        #expect(try c.propose(1, "b") == 3)
        c.stabilize()
        for id in c.ids {
            #expect(c[id].commitIndex == 3)
            #expect(c.values(id) == ["a", "b"])
        }
        #expect(sameLog(c, [2, 3], as: 1))
    }

    // Reference: §5.3 — the commit index reaches followers on the next append or heartbeat, and
    // followers apply only what is committed.
    @Test("§5.3 followers learn the commit index from the leader's next message")
    func commitPropagates() throws {
        let c = electedCluster()
        try c.propose(1, "a")
        c.handleReadies()
        c.deliver()  // the append reaches 2 and 3
        c.handleReadies()
        #expect(c[2].lastIndex == 2 && c[2].commitIndex == 1)
        c.deliver()  // the acknowledgements reach 1
        c.handleReadies()
        #expect(c[1].commitIndex == 2)
        #expect(c[2].commitIndex == 1 && c.values(2).isEmpty)
        c.stabilize()  // the leader's follow-up append carries Commit:2
        #expect(c[2].commitIndex == 2 && c.values(2) == ["a"])
    }

    // Reference: §5.3 — the consistency check: a follower refuses entries whose predecessor it
    // does not hold.
    @Test("§5.3 a follower rejects an append whose previous entry does not match")
    func consistencyCheck() {
        var n = node(2, persisted(voters: [1, 2, 3], term: 2, log: [1, 1]))
        n.step(Message(from: 1, to: 2, term: 2, kind: .append(
            prevIndex: 2, prevTerm: 2, entries: entries(terms: [2], from: 3), commit: 3)))
        let out = n.drainMessages()
        #expect(n.lastIndex == 2 && n.commitIndex == 0)
        #expect(out.map(\.description) == ["2->1 MsgAppResp Term:2 Rejected:2 Hint:1/2"])
    }

    // Reference: §5.3 — "If an existing entry conflicts with a new one, delete the existing entry
    // and all that follow it": only on a conflict, never because an old append arrives late.
    @Test("§5.3 a late, duplicated append does not truncate the follower's log")
    func lateAppendDoesNotTruncate() {
        var n = node(2, persisted(voters: [1, 2, 3], term: 1, log: [1, 1, 1]))
        n.step(Message(from: 1, to: 2, term: 1, kind: .append(
            prevIndex: 0, prevTerm: 0, entries: entries(terms: [1]), commit: 0)))
        let out = n.drainMessages()
        #expect(n.lastIndex == 3)
        #expect(out.map(\.description) == ["2->1 MsgAppResp Term:1 Index:1"])
    }

    // Reference: §5.3 — the leader retries AppendEntries until the follower stores the entries.
    @Test("§5.3 a lost append is sent again after the next heartbeat")
    func lostAppendIsRepaired() throws {
        let c = electedCluster()
        c.cut(from: 1, to: 3)
        try c.propose(1, "a")
        c.stabilize()
        #expect(c[3].lastIndex == 1)
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c[3].lastIndex == 2 && c.values(3) == ["a"])
    }

    // Reference: Figure 7 — the leader of term 8 and the follower logs (a)-(f). Whatever the
    // follower holds (missing entries, extra uncommitted entries, or both), the leader makes its
    // log identical to its own.
    static let figure7Leader: [Term] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]

    func repairFigure7(_ follower: [Term]) {
        let c = InteractionCluster()
        c.addNode(1, storage: persisted(voters: [1, 2, 3], term: 7, log: Self.figure7Leader))
        c.addNode(2, storage: persisted(voters: [1, 2, 3], term: 7, log: follower))
        c.addNode(3, storage: persisted(voters: [1, 2, 3], term: 7, log: Self.figure7Leader))
        c.campaign(1)
        c.stabilize()
        #expect(c.leader == 1)
        #expect(c[1].term == 8)
        // The leader's log: Figure 7's plus its no-op of term 8 at index 11.
        #expect(c.logTerms(1) == Self.figure7Leader + [8])
        #expect(c.logTerms(2) == c.logTerms(1))
        #expect(c[2].commitIndex == 11)
    }

    @Test("Figure 7 (a): a follower missing one entry is repaired")
    func figure7a() { repairFigure7([1, 1, 1, 4, 4, 5, 5, 6, 6]) }

    @Test("Figure 7 (b): a follower missing many entries is repaired")
    func figure7b() { repairFigure7([1, 1, 1, 4]) }

    @Test("Figure 7 (c): a follower with an extra uncommitted entry is repaired")
    func figure7c() { repairFigure7([1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]) }

    @Test("Figure 7 (d): a follower with extra entries of a later term is repaired")
    func figure7d() { repairFigure7([1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]) }

    @Test("Figure 7 (e): a follower with missing and extra entries is repaired")
    func figure7e() { repairFigure7([1, 1, 1, 4, 4, 4, 4]) }

    @Test("Figure 7 (f): a follower with many entries of other terms is repaired")
    func figure7f() { repairFigure7([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]) }

    // Reference: §5.3 (the optimization at the end of the section) — on a rejection the follower
    // names the conflicting term and the leader skips all its entries at once: one rejection per
    // term, not one per entry.
    @Test("§5.3 fast back-up skips whole terms: 30 divergent entries cost one rejection")
    func fastBackUp() {
        let leaderLog: [Term] = [1] + Array(repeating: 4, count: 30)
        let followerLog: [Term] = [1] + Array(repeating: 2, count: 10) + Array(repeating: 3, count: 10) + Array(repeating: 5, count: 10)
        let c = InteractionCluster()
        c.addNode(1, storage: persisted(voters: [1, 2, 3], term: 5, log: leaderLog))
        c.addNode(2, storage: persisted(voters: [1, 2, 3], term: 5, log: followerLog))
        c.addNode(3, storage: persisted(voters: [1, 2, 3], term: 5, log: leaderLog))
        c.campaign(1)
        c.stabilize()
        #expect(c.leader == 1)
        #expect(c.logTerms(2) == leaderLog + [6])
        // Entry-by-entry back-up would take 30 rejections; the follower's hint (its last entry of
        // a term not after the leader's) and the leader's own term search take one.
        #expect(rejections(c, from: 2) == 1)
        #expect(c.history.contains { $0.description == "2->1 MsgAppResp Term:6 Rejected:31 Hint:3/21" })
    }
}
