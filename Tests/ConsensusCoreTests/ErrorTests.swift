import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Refused requests")
struct ErrorTests {
    // Reference: §8 (client interaction) — a follower rejects client requests and names the leader.
    @Test("§8 propose on a follower throws notLeader with the leader hint")
    func proposeOnFollower() {
        let c = electedCluster()
        #expect(throws: RaftError.notLeader(leader: 1)) { try c.propose(2, "x") }
        #expect(throws: RaftError.notLeader(leader: 1)) { try c.propose(3, batch: ["x", "y"]) }
        #expect(c[2].lastIndex == 1)
    }

    // Reference: §8 — without a known leader there is no hint.
    @Test("§8 propose or read with no known leader throws notLeader(nil)")
    func noLeaderKnown() {
        let c = InteractionCluster(voters: [1, 2, 3])
        #expect(throws: RaftError.notLeader(leader: nil)) { try c.propose(1, "x") }
        #expect(throws: RaftError.notLeader(leader: nil)) { try c.readIndex(2, context: 1) }
        #expect(throws: RaftError.notLeader(leader: nil)) { try c.transferLeadership(3, to: 1) }
    }

    // Reference: §8 — the hint follows the leader after an election.
    @Test("§8 the leader hint follows a change of leader")
    func hintFollowsLeader() throws {
        let c = electedCluster()
        try c.transferLeadership(1, to: 2)
        c.stabilize()
        #expect(throws: RaftError.notLeader(leader: 2)) { try c.propose(1, "x") }
        #expect(throws: RaftError.notLeader(leader: 2)) { try c.propose(3, "x") }
    }
}
