import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Membership changes and learners (dissertation §4)")
struct MembershipTests {
    /// A cluster of voters 1, 2, 3 led by 1, with node 4 added as a learner.
    static func withLearner() throws -> InteractionCluster {
        let c = electedCluster()
        c.addNode(4)
        try c.proposeConfigChange(1, .addLearner(4))
        c.stabilize()
        return c
    }

    // Reference: dissertation §4.2.1 — a new server joins as a non-voting learner and receives
    // the whole log.
    @Test("§4.2.1 a learner receives the log")
    func learnerReceivesLog() throws {
        let c = try Self.withLearner()
        try c.propose(1, "a")
        c.stabilize()
        #expect(c.logTerms(4) == c.logTerms(1))
        #expect(c.values(4) == ["a"])
        #expect(c[4].configuration == Configuration(voters: [1, 2, 3], learners: [4]))
        #expect(c.ids.allSatisfy { c[$0].configuration.learners == [4] })
    }

    // Reference: dissertation §4.2.1 — learners do not count toward the commit majority.
    @Test("§4.2.1 a learner does not count toward commit")
    func learnerDoesNotCommit() throws {
        let c = try Self.withLearner()
        c.isolate(2)
        c.isolate(3)
        let index = try c.propose(1, "b")
        c.stabilize()
        #expect(c[4].lastIndex == index)
        #expect(c[1].commitIndex < index)
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c[1].commitIndex == index)
    }

    // Reference: dissertation §4.2.1 — learners are not asked for votes and their answers would
    // not count: voter 2 with only learner 4 reachable cannot win.
    @Test("§4.2.1 a learner does not vote")
    func learnerDoesNotVote() throws {
        let c = try Self.withLearner()
        c.isolate(1)
        c.isolate(3)
        c.elapse(only: [2, 4], limit: 100) { false }
        #expect(!c[2].isLeader)
        #expect(!c.history.contains { $0.to == 4 && ($0.name == "MsgVote" || $0.name == "MsgPreVote") })
    }

    // Reference: dissertation §4.2.1 — a learner never campaigns.
    @Test("§4.2.1 a learner cannot campaign")
    func learnerCannotCampaign() throws {
        let c = try Self.withLearner()
        c.isolate(1)
        let sent = c.history.count
        c.campaign(4)
        c.tick(4, 100)
        c.stabilize()
        #expect(c[4].role == .follower)
        #expect(!c[4].isPromotable)
        #expect(!c.history[sent...].contains { $0.from == 4 })
    }

    // Reference: dissertation §4.2.1 — once caught up, the learner is promoted to voter; then it
    // counts toward quorum (here the quorum of 4 voters is 3).
    @Test("§4.2.1 a promoted learner votes and counts toward commit")
    func promotion() throws {
        let c = try Self.withLearner()
        try c.proposeConfigChange(1, .promote(4))
        c.stabilize()
        #expect(c.ids.allSatisfy { c[$0].configuration == Configuration(voters: [1, 2, 3, 4]) })
        #expect(c[4].isPromotable)
        c.isolate(2)
        let index = try c.propose(1, "needs-4")
        c.stabilize()
        #expect(c[1].commitIndex == index)  // 1, 3 and 4: three of four
        // 4 can now lead.
        try c.transferLeadership(1, to: 4)
        c.stabilize()
        #expect(c.leader == 4)
    }

    // Reference: dissertation §4.1 — one membership change at a time.
    @Test("§4.1 a second membership change is refused until the first commits")
    func oneChangeAtATime() throws {
        let c = electedCluster()
        c.addNode(4)
        c.addNode(5)
        try c.proposeConfigChange(1, .addLearner(4))
        #expect(throws: RaftError.configChangeInProgress) { try c.proposeConfigChange(1, .addLearner(5)) }
        c.stabilize()
        try c.proposeConfigChange(1, .addLearner(5))
        c.stabilize()
        #expect(c[1].configuration.learners == [4, 5])
    }

    // Reference: dissertation §4.1 (and the 2015 raft-dev fix) — a new leader accepts a change only
    // after it has committed an entry of its own term.
    @Test("§4.1 a new leader refuses a change before committing its no-op")
    func newLeaderMustCommitFirst() throws {
        let c = InteractionCluster(voters: [1, 2, 3])
        c.addNode(4)
        c.campaign(1)
        while !c[1].isLeader {
            c.handleReadies()
            c.deliver()
        }
        #expect(c[1].commitIndex == 0)
        #expect(throws: RaftError.configChangeInProgress) { try c.proposeConfigChange(1, .addLearner(4)) }
        c.stabilize()
        try c.proposeConfigChange(1, .addLearner(4))
    }

    // Reference: dissertation §4.1 — removing a follower: the rest commit without it.
    @Test("§4.1 a removed follower no longer counts and no longer receives the log")
    func removeFollower() throws {
        let c = electedCluster()
        try c.proposeConfigChange(1, .remove(3))
        c.stabilize()
        #expect(c[1].configuration == Configuration(voters: [1, 2]))
        #expect(c[2].configuration == Configuration(voters: [1, 2]))
        let sent = c.history.count
        let index = try c.propose(1, "without-3")
        c.stabilize()
        c.tick(1, 3)
        c.stabilize()
        #expect(c[1].commitIndex == index)
        #expect(!c.history[sent...].contains { $0.to == 3 })
        #expect(c.values(2) == ["without-3"])
    }

    // Reference: dissertation §4.2.2 — a leader that removes itself keeps managing the cluster
    // until the change commits, then steps down; another server is elected.
    @Test("§4.2.2 a removed leader leads until the change commits, then steps down")
    func removeLeader() throws {
        let c = electedCluster()
        try c.proposeConfigChange(1, .remove(1))
        c.handleReadies()
        #expect(c[1].isLeader)
        #expect(c[1].configuration == Configuration(voters: [2, 3]))
        // Deliver round by round: 1 stays leader until it learns that the change is committed.
        while c[1].isLeader {
            #expect(c[1].commitIndex < c[1].lastConfigurationIndex)
            c.deliver()
            c.handleReadies()
        }
        #expect(c[1].commitIndex >= c[1].lastConfigurationIndex)
        c.stabilize()
        let leader = try #require(c.leader)
        #expect(leader == 2 || leader == 3)
        #expect(c[leader].term == 2)
        #expect(!c[1].isPromotable)
        let index = try c.propose(leader, "after")
        c.stabilize()
        #expect(c[2].commitIndex == index && c[3].commitIndex == index)
    }

    // Reference: dissertation §4.1 — invalid changes are refused with a reason.
    @Test("§4.1 invalid membership changes throw")
    func invalidChanges() throws {
        let c = electedCluster()
        #expect(throws: RaftError.invalidConfigChange(.notAMember(9))) { try c.proposeConfigChange(1, .remove(9)) }
        #expect(throws: RaftError.invalidConfigChange(.notALearner(2))) { try c.proposeConfigChange(1, .promote(2)) }
        #expect(throws: RaftError.invalidConfigChange(.alreadyMember(2))) { try c.proposeConfigChange(1, .addLearner(2)) }
        #expect(throws: RaftError.invalidConfigChange(.invalidNodeID)) { try c.proposeConfigChange(1, .addLearner(0)) }
        #expect(throws: RaftError.notLeader(leader: 1)) { try c.proposeConfigChange(2, .addLearner(4)) }
        let single = electedCluster([1])
        #expect(throws: RaftError.invalidConfigChange(.lastVoter(1))) { try single.proposeConfigChange(1, .remove(1)) }
        #expect(c[1].lastIndex == 1)
    }
}
