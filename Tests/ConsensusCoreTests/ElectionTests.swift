import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Leader election (§5.2)")
struct ElectionTests {
    // Reference: §5.2 — a candidate that wins votes from a majority becomes leader.
    @Test("§5.2 a candidate with votes from a majority becomes the only leader")
    func majorityElects() {
        let c = InteractionCluster(voters: [1, 2, 3, 4, 5])
        c.campaign(3)
        c.stabilize()
        #expect(c.leaders == [3])
        for id in c.ids {
            #expect(c[id].term == 1)
            #expect(c[id].leader == 3)
        }
    }

    // Reference: §5.1 — a request with a stale term is rejected.
    @Test("§5.1 a vote request with a stale term is not granted")
    func staleVoteRequestRejected() {
        var n = node(2, persisted(voters: [1, 2, 3], term: 3))
        n.step(Message(from: 1, to: 2, term: 2, kind: .vote(lastIndex: 10, lastTerm: 2, leadershipTransfer: false)))
        let out = n.drainMessages()
        #expect(!out.contains { if case .voteResponse(true) = $0.kind { return true } else { return false } })
        #expect(n.term == 3)
        #expect(n.vote == nil)
    }

    // Reference: §5.1, §5.3 — an AppendEntries from a stale leader is rejected, and the answer
    // carries the newer term so that the stale leader learns it.
    @Test("§5.1 an append with a stale term is rejected and answered with the current term")
    func staleAppendRejected() {
        var n = node(2, persisted(voters: [1, 2, 3], term: 3, log: [1, 1]))
        n.step(Message(from: 1, to: 2, term: 2, kind: .append(
            prevIndex: 2, prevTerm: 1, entries: entries(terms: [2], from: 3), commit: 3)))
        let out = n.drainMessages()
        #expect(n.lastIndex == 2)
        #expect(n.term == 3)
        #expect(n.commitIndex == 0)
        #expect(out.count == 1)
        #expect(out.first?.to == 1 && out.first?.term == 3)
    }

    // Reference: §5.1 — a leader that sees a higher term steps down; only one leader remains.
    @Test("§5.1 a deposed leader steps down when it hears the newer term")
    func deposedLeaderStepsDown() {
        let c = electedCluster()
        c.isolate(1)
        // Only 2 and 3 see time pass; 1 still believes it leads term 1.
        #expect(c.elapse(only: [2, 3]) { c[2].isLeader || c[3].isLeader })
        #expect(c[1].isLeader && c[1].term == 1)
        c.heal()
        c.tick(1)  // a heartbeat of term 1, answered with the newer term
        c.stabilize()
        #expect(!c[1].isLeader)
        #expect(c.leaders.count == 1)
        #expect(c[1].term == c[c.leader!].term)
    }

    // Reference: §5.2 — each server votes for at most one candidate in a given term, and the
    // vote is persisted before the answer leaves (Figure 2, "Persistent state").
    @Test("§5.2 one vote per term, persisted before it is sent")
    func oneVotePerTerm() {
        var n = node(3, persisted(voters: [1, 2, 3], term: 0))
        n.step(Message(from: 1, to: 3, term: 1, kind: .vote(lastIndex: 0, lastTerm: 0, leadershipTransfer: false)))
        let rd = n.ready()
        #expect(rd.hardState?.vote == 1 && rd.hardState?.term == 1)
        #expect(rd.messages.map(\.description) == ["3->1 MsgVoteResp Term:1"])
        n.advance(rd)

        n.step(Message(from: 2, to: 3, term: 1, kind: .vote(lastIndex: 5, lastTerm: 1, leadershipTransfer: false)))
        #expect(n.drainMessages().map(\.description) == ["3->2 MsgVoteResp Term:1 Rejected"])
        // A retransmitted request from the same candidate is granted again.
        n.step(Message(from: 1, to: 3, term: 1, kind: .vote(lastIndex: 0, lastTerm: 0, leadershipTransfer: false)))
        #expect(n.drainMessages().map(\.description) == ["3->1 MsgVoteResp Term:1"])
        #expect(n.vote == 1)
    }

    // Reference: §5.4.1 — the voter denies its vote if its own log is more up to date: compare
    // the last terms, then the lengths.
    @Test("§5.4.1 a vote is granted only to a candidate whose log is at least as up to date",
          arguments: [
            // (candidate last term, candidate last index, granted) against a voter log [1, 1, 2]
            (Term(2), LogIndex(3), true),   // same last term, same length
            (2, 4, true),                   // same last term, longer
            (3, 1, true),                   // later last term, shorter
            (2, 2, false),                  // same last term, shorter
            (1, 10, false),                 // earlier last term, longer
          ])
    func upToDate(lastTerm: Term, lastIndex: LogIndex, granted: Bool) {
        var n = node(3, persisted(voters: [1, 2, 3], term: 2, log: [1, 1, 2]))
        n.step(Message(from: 1, to: 3, term: 3, kind: .vote(lastIndex: lastIndex, lastTerm: lastTerm, leadershipTransfer: false)))
        let answer = n.drainMessages().first { if case .voteResponse = $0.kind { return true } else { return false } }
        #expect(answer?.kind == .voteResponse(granted: granted))
        #expect(n.vote == (granted ? 1 : nil))
    }

    // Reference: §5.4.1 (Leader Completeness) — a node missing a committed entry cannot win.
    @Test("§5.4.1 a node that misses a committed entry cannot be elected")
    func staleLogCannotWin() {
        let c = electedCluster()
        c.cut(1, 3)
        try! c.propose(1, "x")
        c.stabilize()
        #expect(c[1].commitIndex == 2 && c[3].lastIndex == 1)
        c.isolate(1)
        c.campaign(3)
        c.stabilize()
        #expect(!c[3].isLeader)
        // 2 holds the committed entry: it can win, and the entry survives.
        #expect(c.elapse(only: [2, 3]) { c.leader == 2 })
        c.stabilize()
        #expect(c.values(2) == ["x"] && c.values(3) == ["x"])
    }

    // Reference: §5.2 — split votes are resolved by randomized election timeouts.
    @Test("§5.2 a split vote is resolved in a later term by randomized timeouts")
    func splitVoteResolves() {
        let c = InteractionCluster(voters: [1, 2, 3, 4], options: options(preVote: false))
        // 1 and 3 campaign at the same time; 2 hears 1 first and 4 hears 3 first.
        c.dropFilter = { ($0.from == 1 && $0.to == 4) || ($0.from == 3 && $0.to == 2) }
        c.campaign(1)
        c.campaign(3)
        c.stabilize()
        #expect(c[1].role == .candidate && c[3].role == .candidate)
        #expect(c[2].vote == 1 && c[4].vote == 3)
        #expect(c.leaders.isEmpty)
        c.heal()
        let leader = c.elapseUntilLeader()
        #expect(leader != nil)
        #expect(c.leaders.count == 1)
        #expect(c[leader!].term >= 2)
        for id in c.ids { #expect(c[id].leader == leader) }
    }

    // Reference: §5.2 — a candidate that receives AppendEntries from a leader of its own term
    // recognizes the leader and returns to follower.
    @Test("§5.2 a candidate steps down on an append from the winner of its term")
    func candidateStepsDownOnAppend() {
        let c = InteractionCluster(voters: [1, 2, 3], options: options(preVote: false))
        c.dropFilter = { $0.from == 3 && $0.to == 2 }  // 2 never hears 3's rejection
        c.campaign(1)
        c.campaign(2)
        #expect(c[2].role == .candidate && c[2].term == 1)
        let out = c.stabilize()
        #expect(c.leaders == [1])
        #expect(c[2].role == .follower && c[2].leader == 1 && c[2].term == 1)
        #expect(out.contains("1->2 MsgApp Term:1 Log:0/0 Commit:0 Entries:[1/1 noop]\n"))
        #expect(out.contains("2 follows 1 at term 1"))
    }

    // Reference: §5.2 — a candidate that loses returns to follower (here: rejected by both peers).
    @Test("§5.2 a candidate rejected by a majority returns to follower")
    func candidateLoses() {
        let c = InteractionCluster()
        c.addNode(1, storage: persisted(voters: [1, 2, 3], term: 1, log: [1]), options: options(preVote: false))
        c.addNode(2, storage: persisted(voters: [1, 2, 3], term: 1, log: [1, 1]), options: options(preVote: false))
        c.addNode(3, storage: persisted(voters: [1, 2, 3], term: 1, log: [1, 1]), options: options(preVote: false))
        c.campaign(1)
        c.stabilize()
        #expect(c[1].role == .follower)
        #expect(c[1].term == 2)
        #expect(c.leaders.isEmpty)
    }

    // Reference: §5.2 — with one server, the candidate's own vote is a majority.
    @Test("§5.2 a single-node cluster elects itself and commits alone")
    func singleNode() throws {
        let c = InteractionCluster(voters: [1])
        #expect(c.elapseUntilLeader() == 1)
        #expect(c[1].term == 1)
        try c.propose(1, "solo")
        c.stabilize()
        #expect(c[1].commitIndex == 2)
        #expect(c.values(1) == ["solo"])
    }

    // Reference: §5.2 — a follower that hears nothing for an election timeout, drawn at random
    // from [electionTicksMin, electionTicksMax], starts an election.
    @Test("§5.2 a follower campaigns after a randomized election timeout")
    func electionTimeout() {
        let c = InteractionCluster(voters: [1, 2, 3, 4, 5], seed: 42)
        var timeouts: [Int] = []
        for id in c.ids {
            var ticks = 0
            while c[id].role == .follower && ticks < 100 {
                c.tick(id)
                ticks += 1
            }
            #expect(c[id].role == .preCandidate)
            timeouts.append(ticks)
        }
        #expect(timeouts.allSatisfy { (10...20).contains($0) })
    }

    // Reference: §5.2 — leaders send periodic heartbeats to maintain their authority.
    @Test("§5.2 heartbeats keep followers from starting elections")
    func heartbeatsSuppressElections() {
        let c = electedCluster()
        c.elapse(200)
        #expect(c.leaders == [1])
        #expect(c.ids.allSatisfy { c[$0].term == 1 })
    }
}
