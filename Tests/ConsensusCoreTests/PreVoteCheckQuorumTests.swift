import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Pre-vote (§9.6) and check-quorum (§6.2) of the Raft dissertation")
struct PreVoteCheckQuorumTests {
    // Reference: dissertation §9.6 — a node that was partitioned away keeps failing its pre-vote,
    // so its term does not grow and its return does not disrupt the cluster.
    @Test("§9.6 pre-vote: a partitioned node rejoining does not bump the cluster's term")
    func partitionedNodeRejoins() throws {
        let c = electedCluster()
        c.isolate(3)
        c.elapse(100)
        #expect(c[3].term == 1)
        #expect(c[3].role == .preCandidate)
        try c.propose(1, "while-away")
        c.stabilize()
        c.heal()
        c.elapse(5)
        #expect(c.leaders == [1])
        #expect(c.ids.allSatisfy { c[$0].term == 1 })
        #expect(c.values(3) == ["while-away"])
    }

    // Reference: dissertation §9.6 — the contrast: without pre-vote the rejoining node's higher
    // term forces an election.
    @Test("§9.6 without pre-vote, a rejoining node disrupts the cluster with its higher term")
    func withoutPreVoteTheTermGrows() {
        let c = electedCluster(options: options(preVote: false, checkQuorum: false))
        c.isolate(3)
        c.elapse(100)
        #expect(c[3].term > 1)
        c.heal()
        #expect(c.elapse(only: c.ids) { c.ids.allSatisfy { c[$0].term > 1 } && c.leader != nil })
    }

    // Reference: dissertation §9.6 — a pre-vote changes neither the voter's term and vote nor the
    // pre-candidate's term.
    @Test("§9.6 a pre-vote changes neither term nor vote")
    func preVoteChangesNothing() {
        var voter = node(2, persisted(voters: [1, 2, 3], term: 2, vote: 1, log: [1, 2]))
        voter.step(Message(from: 3, to: 2, term: 3, kind: .preVote(lastIndex: 2, lastTerm: 2)))
        let rd = voter.ready()
        #expect(rd.hardState == nil)
        #expect(rd.messages.map(\.description) == ["2->3 MsgPreVoteResp Term:3"])
        voter.advance(rd)
        #expect(voter.term == 2 && voter.vote == 1)

        var candidate = node(3, persisted(voters: [1, 2, 3], term: 2, vote: 1, log: [1, 2]))
        candidate.campaign()
        #expect(candidate.role == .preCandidate)
        #expect(candidate.term == 2 && candidate.vote == 1)
        #expect(candidate.drainMessages().map(\.description) == [
            "3->1 MsgPreVote Term:3 Log:2/2", "3->2 MsgPreVote Term:3 Log:2/2",
        ])
    }

    // Reference: dissertation §9.6 with §5.4.1 — a pre-vote is refused to a node whose log is
    // behind, so it never starts a real election.
    @Test("§9.6 a pre-candidate with a stale log is refused and stays in its term")
    func staleLogFailsPreVote() {
        let c = InteractionCluster()
        c.addNode(1, storage: persisted(voters: [1, 2, 3], term: 2, log: [1]))
        c.addNode(2, storage: persisted(voters: [1, 2, 3], term: 2, log: [1, 2]))
        c.addNode(3, storage: persisted(voters: [1, 2, 3], term: 2, log: [1, 2]))
        c.campaign(1)
        c.stabilize()
        #expect(c[1].role == .follower)
        #expect(c.ids.allSatisfy { c[$0].term == 2 })
        #expect(!c.history.contains { $0.name == "MsgVote" })
    }

    // Reference: dissertation §6.2 — check-quorum: a leader that does not hear from a majority
    // within an election timeout steps down.
    @Test("§6.2 check-quorum: a leader that loses its majority steps down")
    func leaderWithoutQuorumStepsDown() {
        let c = electedCluster()
        c.isolate(2)
        c.isolate(3)
        // The first round still counts the answers from before the partition; the second does not.
        for _ in 0..<19 {
            c.tick(1)
            c.stabilize()
        }
        #expect(c[1].isLeader)
        c.tick(1)
        c.stabilize()
        #expect(c[1].role == .follower)
        #expect(c[1].term == 1)
        #expect(c[1].leader == nil)
    }

    // Reference: dissertation §6.2 — a leader that keeps a majority keeps leading.
    @Test("§6.2 check-quorum: a leader with a majority keeps leading")
    func leaderWithQuorumStays() {
        let c = electedCluster()
        c.isolate(3)
        c.elapse(100)
        #expect(c[1].isLeader)
        #expect(c[1].term == 1 && c[2].term == 1)
    }

    // Reference: dissertation §6.2 (leader lease, "disruptive servers") — a follower that heard
    // from its leader within the minimum election timeout ignores vote requests.
    @Test("§6.2 leader lease: followers ignore vote requests while they hear a leader")
    func leaderLease() {
        let c = electedCluster()
        c.inject(Message(from: 3, to: 2, term: 5, kind: .vote(lastIndex: 9, lastTerm: 4, leadershipTransfer: false)))
        c.inject(Message(from: 3, to: 2, term: 5, kind: .preVote(lastIndex: 9, lastTerm: 4)))
        c.deliver()
        c.handleReadies()
        #expect(c[2].term == 1 && c[2].leader == 1 && c[2].vote == 1)
        #expect(c.pending.isEmpty)
        // Once the leader has been silent for the minimum election timeout, the request counts.
        c.tick(2, 10)
        c.discard { _ in true }
        c.inject(Message(from: 3, to: 2, term: 5, kind: .vote(lastIndex: 9, lastTerm: 4, leadershipTransfer: false)))
        c.deliver()
        c.handleReadies()
        #expect(c[2].term == 5 && c[2].vote == 3)
    }

    // Reference: dissertation §3.10 with §6.2 — a vote request marked as a leadership transfer
    // overrides the lease.
    @Test("§3.10 a leadership-transfer vote request is honored despite the lease")
    func transferOverridesLease() {
        let c = electedCluster()
        c.inject(Message(from: 3, to: 2, term: 2, kind: .vote(lastIndex: 1, lastTerm: 1, leadershipTransfer: true)))
        c.deliver()
        c.handleReadies()
        #expect(c[2].term == 2 && c[2].vote == 3)
        #expect(c.pending.map(\.description) == ["2->3 MsgVoteResp Term:2"])
    }
}
