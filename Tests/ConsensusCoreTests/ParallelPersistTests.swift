import ConsensusCore
import Testing

/// What a `Ready` lets its caller do before the disk answers: a leader replicates while it writes
/// (§10.2.1 of the dissertation), a commit index alone needs no sync (etcd's `MustSync`), and
/// votes and acknowledgements always wait for the disk (§5.1, Figure 2: "respond to RPCs only
/// after updating stable storage").
@Suite("Ready: what may go before the write is durable")
struct ParallelPersistTests {
    /// A three-member leader, node 1, in term 1 with its no-op entry durable and acknowledged.
    static func leader() -> Raft {
        var n = node(1, persisted(voters: [1, 2, 3], term: 0), options: options(preVote: false))
        n.campaign()
        n.advance(n.ready())
        n.step(Message(from: 2, to: 1, term: 1, kind: .voteResponse(granted: true)))
        n.advance(n.ready())
        for follower: NodeID in [2, 3] {
            n.step(Message(from: follower, to: 1, term: 1, kind: .appendResponse(success: true, index: n.lastIndex, hintIndex: 0, hintTerm: 0)))
        }
        n.advance(n.ready())
        return n
    }

    @Test("A candidate's vote requests wait until its new term and its own vote are durable (§5.1)")
    func candidateWaits() {
        var n = node(1, persisted(voters: [1, 2, 3], term: 0), options: options(preVote: false))
        n.campaign()
        let rd = n.ready()
        #expect(rd.hardState?.term == 1 && rd.hardState?.vote == 1)
        #expect(rd.mustSync)
        #expect(!rd.replicationMayPrecedePersisting)
        #expect(rd.messagesBeforePersisting.isEmpty)
        #expect(rd.messagesAfterPersisting.map(\.description) == ["1->2 MsgVote Term:1 Log:0/0", "1->3 MsgVote Term:1 Log:0/0"])
    }

    @Test("A new leader's first appends may leave before its no-op entry is durable (§10.2.1)")
    func newLeaderReplicatesWhileWriting() {
        var n = node(1, persisted(voters: [1, 2, 3], term: 0), options: options(preVote: false))
        n.campaign()
        n.advance(n.ready())
        n.step(Message(from: 2, to: 1, term: 1, kind: .voteResponse(granted: true)))
        let rd = n.ready()
        #expect(n.isLeader)
        #expect(rd.entries.count == 1 && rd.mustSync)
        #expect(rd.replicationMayPrecedePersisting)
        #expect(rd.messagesBeforePersisting.count == 2)
        #expect(rd.messagesBeforePersisting.allSatisfy { $0.isReplication })
        #expect(rd.messagesAfterPersisting.isEmpty)
    }

    @Test("A proposal's entry goes to the followers before the leader's own fsync; the leader's copy counts only after advance (§10.2.1)")
    func leaderCountsItselfOnlyWhenDurable() {
        var n = Self.leader()
        let index = try! n.propose(Array("x".utf8))
        let rd = n.ready()
        #expect(rd.entries.map(\.index) == [index])
        #expect(Set(rd.messagesBeforePersisting.map(\.to)) == [2, 3])
        #expect(n.commitIndex < index)
        n.advance(rd)
        // Its own durable copy is one vote of three: not yet a majority.
        #expect(n.commitIndex < index)
        n.step(Message(from: 2, to: 1, term: 1, kind: .appendResponse(success: true, index: index, hintIndex: 0, hintTerm: 0)))
        #expect(n.commitIndex == index)
    }

    @Test("A hard state whose commit index alone moved needs no sync; the follower's acknowledgement still waits for its entries")
    func commitOnlyNeedsNoSync() {
        var n = Self.leader()
        let index = try! n.propose(Array("x".utf8))
        n.advance(n.ready())
        n.step(Message(from: 2, to: 1, term: 1, kind: .appendResponse(success: true, index: index, hintIndex: 0, hintTerm: 0)))
        let rd = n.ready()
        #expect(rd.hardState?.commit == index)
        #expect(rd.entries.isEmpty && rd.snapshot == nil)
        #expect(!rd.mustSync)

        // A follower: entries to write (sync), and its acknowledgement is never sent early.
        var f = node(2, persisted(voters: [1, 2, 3], term: 1, vote: 1, log: [1]))
        f.step(Message(from: 1, to: 2, term: 1, kind: .append(prevIndex: 1, prevTerm: 1, entries: entries(terms: [1], from: 2), commit: 1)))
        let frd = f.ready()
        #expect(frd.mustSync)
        #expect(!frd.replicationMayPrecedePersisting)
        #expect(frd.messagesBeforePersisting.isEmpty)
        #expect(frd.messagesAfterPersisting.count == 1)
        f.advance(frd)
        // Then only the commit index moves: no sync needed.
        f.step(Message(from: 1, to: 2, term: 1, kind: .heartbeat(commit: 2, readSequence: 0)))
        let commitOnly = f.ready()
        #expect(commitOnly.hardState?.commit == 2)
        #expect(!commitOnly.mustSync)
    }
}
