import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Leadership transfer (dissertation §3.10)")
struct LeadershipTransferTests {
    // Reference: dissertation §3.10 — the leader sends TimeoutNow to an up-to-date target, which
    // starts an election at once and wins it.
    @Test("§3.10 transfer to an up-to-date follower: TimeoutNow, then it wins the next term")
    func transferToUpToDate() throws {
        let c = electedCluster()
        try c.transferLeadership(1, to: 3)
        c.stabilize()
        #expect(c.leaders == [3])
        #expect(c.ids.allSatisfy { c[$0].term == 2 && c[$0].leader == 3 })
        #expect(c.history.contains { $0.description == "1->3 MsgTimeoutNow Term:1" })
        #expect(c.history.contains { $0.description == "3->1 MsgVote Term:2 Log:1/1 Transfer" })
    }

    // Reference: dissertation §3.10 — a transferee that is behind is first brought up to date.
    @Test("§3.10 a transferee that is behind is caught up before TimeoutNow")
    func transfereeCaughtUpFirst() throws {
        let c = electedCluster()
        c.cut(from: 1, to: 3)
        try c.propose(1, "missed")
        c.stabilize()
        c.heal()
        #expect(c[3].lastIndex == 1)
        try c.transferLeadership(1, to: 3)
        c.stabilize()
        #expect(c.leader == 3)
        let catchUp = try #require(c.history.firstIndex {
            guard $0.from == 1, $0.to == 3, case let .append(_, _, entries, _) = $0.kind else { return false }
            return entries.contains { $0.index == 2 }
        })
        let timeoutNow = try #require(c.history.firstIndex { $0.name == "MsgTimeoutNow" })
        #expect(catchUp < timeoutNow)
        #expect(c.values(3) == ["missed"])
    }

    // Reference: dissertation §3.10 — during a transfer the leader stops accepting client requests.
    @Test("§3.10 proposals are refused while a transfer is under way")
    func proposalsRefusedDuringTransfer() throws {
        let c = electedCluster()
        c.isolate(3)
        try c.transferLeadership(1, to: 3)
        #expect(c[1].leadTransferee == 3)
        #expect(throws: RaftError.transferInProgress) { try c.propose(1, "x") }
        #expect(throws: RaftError.transferInProgress) { try c.proposeConfigChange(1, .remove(2)) }
    }

    // Reference: dissertation §3.10 — only a voter can become leader.
    @Test("§3.10 transfer to a learner or a stranger is refused; a follower cannot transfer")
    func transferToNonVoterRefused() throws {
        let c = electedCluster()
        c.addNode(4)
        try c.proposeConfigChange(1, .addLearner(4))
        c.stabilize()
        #expect(throws: RaftError.notAVoter(4)) { try c.transferLeadership(1, to: 4) }
        #expect(throws: RaftError.notAVoter(9)) { try c.transferLeadership(1, to: 9) }
        #expect(throws: RaftError.notLeader(leader: 1)) { try c.transferLeadership(2, to: 3) }
        #expect(c[1].leadTransferee == nil)
        try c.propose(1, "still-leading")
    }

    // Reference: dissertation §3.10 — a transfer that does not complete within an election
    // timeout is aborted and the leader resumes accepting requests.
    @Test("§3.10 a transfer is aborted after an election timeout")
    func transferAborted() throws {
        let c = electedCluster()
        c.isolate(3)
        try c.transferLeadership(1, to: 3)
        for _ in 0..<9 {
            c.tick(1)
            c.stabilize()
        }
        #expect(c[1].leadTransferee == 3)
        c.tick(1)
        c.stabilize()
        #expect(c[1].isLeader)
        #expect(c[1].leadTransferee == nil)
        try c.propose(1, "resumed")
        c.stabilize()
        #expect(c.values(2) == ["resumed"])
    }
}
