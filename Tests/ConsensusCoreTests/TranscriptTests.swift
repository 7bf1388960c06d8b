import ConsensusCore
import ConsensusTesting
import Testing

/// Transcript tests: the exact sequence of events of a small scenario, in the form of
/// etcd-io/raft's interaction tests (`campaign 1`, `stabilize`, then the expected messages).
/// They double as documentation: read them top to bottom to watch the protocol work.
///
/// Line forms: `1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2]` is a message from 1 to 2 in
/// term 1 whose previous entry is index 1 of term 1 (`Log:term/index`), carrying entry 2 of term
/// 1; `2 applied 1/2 x` is node 2 applying entry 2 (term 1, command `x`); `dropped ...` is a
/// message the network lost.
@Suite("Transcripts")
struct TranscriptTests {
    // Reference: §5.2 (leader election), with pre-vote (dissertation §9.6) and the no-op of §8.
    // The pre-candidate stays in term 0 until it knows it could win; then one real election.
    @Test("§5.2 transcript: an election in a 3-node cluster")
    func election() {
        let c = InteractionCluster(voters: [1, 2, 3])
        c.campaign(1)
        #expect(c.stabilize() == """
            1 became pre-candidate at term 0
            1->2 MsgPreVote Term:1 Log:0/0
            1->3 MsgPreVote Term:1 Log:0/0
            2->1 MsgPreVoteResp Term:1
            3->1 MsgPreVoteResp Term:1
            1 became candidate at term 1
            1->2 MsgVote Term:1 Log:0/0
            1->3 MsgVote Term:1 Log:0/0
            2 became follower at term 1
            2->1 MsgVoteResp Term:1
            3 became follower at term 1
            3->1 MsgVoteResp Term:1
            1 became leader at term 1
            1->2 MsgApp Term:1 Log:0/0 Commit:0 Entries:[1/1 noop]
            1->3 MsgApp Term:1 Log:0/0 Commit:0 Entries:[1/1 noop]
            2 follows 1 at term 1
            2->1 MsgAppResp Term:1 Index:1
            3 follows 1 at term 1
            3->1 MsgAppResp Term:1 Index:1
            1->2 MsgApp Term:1 Log:1/1 Commit:1
            1->3 MsgApp Term:1 Log:1/1 Commit:1
            1 applied 1/1 noop
            2->1 MsgAppResp Term:1 Index:1
            2 applied 1/1 noop
            3->1 MsgAppResp Term:1 Index:1
            3 applied 1/1 noop
            """)
    }

    // Reference: §5.3 — append, acknowledge, commit, then tell the followers the commit index.
    @Test("§5.3 transcript: a proposal is replicated, committed and applied")
    func proposal() throws {
        let c = electedCluster()
        try c.propose(1, "x")
        #expect(c.stabilize() == """
            1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2]
            1->3 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2]
            2->1 MsgAppResp Term:1 Index:2
            3->1 MsgAppResp Term:1 Index:2
            1->2 MsgApp Term:1 Log:1/2 Commit:2
            1->3 MsgApp Term:1 Log:1/2 Commit:2
            1 applied 1/2 x
            2->1 MsgAppResp Term:1 Index:2
            2 applied 1/2 x
            3->1 MsgAppResp Term:1 Index:2
            3 applied 1/2 x
            """)
    }

    // Reference: dissertation §6.4 — a follower's read: forwarded, confirmed by a heartbeat round
    // carrying the read's sequence number, answered with the commit index.
    @Test("§6.4 transcript: a follower's ReadIndex read")
    func followerRead() throws {
        let c = electedCluster()
        try c.propose(1, "x")
        c.stabilize()
        try c.readIndex(2, context: 7)
        #expect(c.stabilize() == """
            2->1 MsgReadIndex Term:1 Context:7
            1->2 MsgHeartbeat Term:1 Commit:2 Read:1
            1->3 MsgHeartbeat Term:1 Commit:2 Read:1
            2->1 MsgHeartbeatResp Term:1 Read:1
            3->1 MsgHeartbeatResp Term:1 Read:1
            1->2 MsgReadIndexResp Term:1 Context:7 Index:2
            2 read context 7 at index 2
            """)
    }

    // Reference: dissertation §3.10 — TimeoutNow, an election that ignores the leader lease
    // (`Transfer`), and the new leader's no-op in term 2.
    @Test("§3.10 transcript: a leadership transfer")
    func transfer() throws {
        let c = electedCluster()
        try c.propose(1, "x")
        c.stabilize()
        try c.transferLeadership(1, to: 2)
        #expect(c.stabilize() == """
            1->2 MsgTimeoutNow Term:1
            2 became candidate at term 2
            2->1 MsgVote Term:2 Log:1/2 Transfer
            2->3 MsgVote Term:2 Log:1/2 Transfer
            1 became follower at term 2
            1->2 MsgVoteResp Term:2
            3 became follower at term 2
            3->2 MsgVoteResp Term:2
            2 became leader at term 2
            2->1 MsgApp Term:2 Log:1/2 Commit:2 Entries:[2/3 noop]
            2->3 MsgApp Term:2 Log:1/2 Commit:2 Entries:[2/3 noop]
            1 follows 2 at term 2
            1->2 MsgAppResp Term:2 Index:3
            3 follows 2 at term 2
            3->2 MsgAppResp Term:2 Index:3
            2->1 MsgApp Term:2 Log:2/3 Commit:3
            2->3 MsgApp Term:2 Log:2/3 Commit:3
            2 applied 2/3 noop
            1->2 MsgAppResp Term:2 Index:3
            1 applied 2/3 noop
            3->2 MsgAppResp Term:2 Index:3
            3 applied 2/3 noop
            """)
    }

    // Reference: §5.3 — a follower cut off misses an entry; once healed, the heartbeat shows the
    // leader it is behind, the consistency check rejects, and the leader backs up and repairs.
    @Test("§5.3 transcript: a partitioned follower is repaired after healing")
    func partitionAndRepair() throws {
        let c = electedCluster()
        try c.propose(1, "x")
        c.stabilize()
        try c.transferLeadership(1, to: 2)
        c.stabilize()
        c.isolate(1)
        try c.propose(2, "y")
        #expect(c.stabilize() == """
            2->1 MsgApp Term:2 Log:2/3 Commit:3 Entries:[2/4]
            2->3 MsgApp Term:2 Log:2/3 Commit:3 Entries:[2/4]
            dropped 2->1 MsgApp Term:2 Log:2/3 Commit:3 Entries:[2/4]
            3->2 MsgAppResp Term:2 Index:4
            2->1 MsgApp Term:2 Log:2/4 Commit:4
            2->3 MsgApp Term:2 Log:2/4 Commit:4
            2 applied 2/4 y
            dropped 2->1 MsgApp Term:2 Log:2/4 Commit:4
            3->2 MsgAppResp Term:2 Index:4
            3 applied 2/4 y
            """)
        c.heal()
        c.tick(2)
        #expect(c.stabilize() == """
            2->1 MsgHeartbeat Term:2 Commit:3
            2->3 MsgHeartbeat Term:2 Commit:4
            1->2 MsgHeartbeatResp Term:2
            3->2 MsgHeartbeatResp Term:2
            2->1 MsgApp Term:2 Log:2/4 Commit:4
            1->2 MsgAppResp Term:2 Rejected:4 Hint:2/3
            2->1 MsgApp Term:2 Log:2/3 Commit:4 Entries:[2/4]
            1->2 MsgAppResp Term:2 Index:4
            1 applied 2/4 y
            2->1 MsgApp Term:2 Log:2/4 Commit:4
            1->2 MsgAppResp Term:2 Index:4
            """)
    }
}
