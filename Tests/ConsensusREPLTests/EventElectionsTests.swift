import Consensus
import ConsensusREPL
import Testing

/// `why` in the process mode (issue 13): elections explained from the members' events
/// (`vote_requested`, `vote_granted`, `vote_refused`, `leader_elected`), Raft §5.2 and §5.4.1.
@Suite("REPL: why from the members' events")
struct EventElectionsTests {
    static func event(_ type: String, _ member: String, term: Int64, peer: String? = nil, leader: String? = nil,
                      reason: String? = nil) -> ConsensusValue {
        var e: [String: ConsensusValue] = ["type": .string(type), "member": .string(member), "term": .int(term)]
        if let peer { e["peer"] = .string(peer) }
        if let leader { e["leader"] = .string(leader) }
        if let reason { e["reason"] = .string(reason) }
        return .object(e)
    }

    @Test("after the leader is killed: who campaigned, who granted, who refused and why, who never heard")
    func afterKill() {
        var elections = EventElections()
        #expect(elections.explain(term: nil, members: ["n1", "n2", "n3"]).first?.hasPrefix("why: no election seen") == true)
        for e in [
            Self.event("vote_requested", "n1", term: 3, peer: "n2"),
            Self.event("vote_refused", "n1", term: 3, peer: "n2", reason: "stale log: the candidate's last entry 2/7 is behind its own 2/8"),
            Self.event("vote_requested", "n2", term: 3, peer: "n1"),
            Self.event("vote_granted", "n2", term: 3, peer: "n1"),
            Self.event("leader_elected", "n1", term: 3, leader: "n1"),
            Self.event("leader_elected", "n2", term: 3, leader: "n1"),
            Self.event("log_appended", "n1", term: 3),
        ] { elections.add(e) }
        #expect(elections.explain(term: nil, members: ["n1", "n2", "n3"]) == [
            "term 3: n1 won with 2 of 3 votes (n1 n2); a majority is 2",
            "  n2 campaigned: 1 of 3 votes (n2); asked n1",
            "  n1 refused its vote to n2: stale log: the candidate's last entry 2/7 is behind its own 2/8",
            "  n3 gave n2 no vote that we saw: its events say it never got the request (down, paused or cut off?)",
            "  n1 campaigned: 2 of 3 votes (n1 n2); asked n2",
            "  n2 granted its vote to n1",
            "  n3 gave n1 no vote that we saw: its events say it never got the request (down, paused or cut off?)",
        ])
        #expect(elections.explain(term: 9, members: ["n1", "n2", "n3"]) == ["why: no election seen in term 9; elections seen in terms: 3"])
    }
}
