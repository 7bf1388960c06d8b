import ConsensusTesting
import Testing

/// `why` in the step mode (issue 13): who campaigned, who voted for whom, who refused and why,
/// by the core's own voting rule (§5.2 one vote per term, §5.4.1 the election restriction,
/// dissertation §9.6 pre-vote and the leader lease).
@Suite("Step mode: why")
struct SteppedClusterWhyTests {
    /// The `why` reports of a script (its other output left out).
    static func whyLines(_ script: String, members: Int = 3) throws -> String {
        var c = try SteppedClusterTests.cluster(members: members)
        var lines: [String] = []
        for line in script.split(separator: "\n") {
            let output = c.run(line: String(line))
            if line.hasPrefix("why") { lines += ["> " + line] + output }
        }
        return lines.joined(separator: "\n")
    }

    /// The report of n1's election in term 1 when everyone grants.
    static let unanimous = """
            term 1: n1 won with 3 of 3 votes (n1 n3 n2); a majority is 2
              n1 asked for pre-votes first (would I win?): 3 of 3 (n1 n3 n2); it won it, so it campaigned for real
              n1 campaigned: 3 of 3 votes (n1 n3 n2)
              n3 granted its pre-vote to n1
              n2 granted its pre-vote to n1
              n3 granted its vote to n1
              n2 granted its vote to n1
            """

    // Reference: §5.2. Everyone grants: pre-votes first, then votes.
    @Test("§5.2 why: an election where every member grants")
    func unanimous() throws {
        #expect(try Self.whyLines("why\ncampaign n1\nstabilize\nwhy") == """
            > why
            why: no election yet (campaign a member, or tick until an election timeout)
            > why
            \(Self.unanimous)
            """)
    }

    // Reference: §5.2, one vote per term: two candidates in the same term split the voters; the
    // first request a voter hears wins its vote.
    @Test("§5.2 why: two candidates in one term, votes already given are refused")
    func splitVote() throws {
        let why = try Self.whyLines("campaign n1\ncampaign n2\nstabilize\nwhy", members: 5)
        #expect(why.contains("term 1: n1 won with 4 of 5 votes (n1 n3 n5 n4); a majority is 3"))
        #expect(why.contains("  n2 campaigned: 1 of 5 votes (n2)"))
        #expect(why.contains("  n2 refused its vote to n1: already voted for itself in term 1 (it is a candidate too)"))
        #expect(why.contains("  n3 refused its vote to n2: already voted for n1 in term 1"))
    }

    // Reference: §5.4.1, the election restriction. n3 missed an entry while cut off; after the
    // leader crashes, n2 refuses n3 (its log is behind) and n2, whose log is complete, wins.
    @Test("§5.4.1 why: a candidate with a stale log is refused; a crashed voter never answers")
    func staleLog() throws {
        let why = try Self.whyLines("""
            campaign n1
            stabilize
            partition n3
            put x 1
            stabilize
            heal
            crash n1
            tick 12
            stabilize
            why
            why term 2
            """)
        let report = """
            term 2: n2 won with 2 of 3 votes (n2 n3); a majority is 2
              n3 asked for pre-votes first (would I win?): 1 of 3 (n3); it has not won it (yet), so its term has not changed
              n2 asked for pre-votes first (would I win?): 2 of 3 (n2 n3); it won it, so it campaigned for real
              n2 campaigned: 2 of 3 votes (n2 n3)
              n1 gave n3 no pre-vote: it never got the request: n1 is down
              n1 gave n2 no pre-vote: it never got the request: n1 is down
              n2 refused its pre-vote to n3: stale log: the candidate's last entry 1/1 is behind its own 1/2
              n3 granted its pre-vote to n2
              n1 gave n2 no vote: it never got the request: n1 is down
              n3 granted its vote to n2
            """
        #expect(why == "> why\n" + report + "\n> why term 2\n" + report)
    }

    // Reference: dissertation §9.6 and §6 (check-quorum's leader lease): while the leader is
    // heard from, the others ignore a pre-vote, so a member that lost touch for a moment
    // cannot depose a healthy leader.
    @Test("why: a campaign against a live leader is ignored (leader lease)")
    func leaderLease() throws {
        #expect(try Self.whyLines("campaign n1\nstabilize\ncampaign n2\nstabilize\nwhy\nwhy term 1\nwhy term 9") == """
            > why
            term 2: nobody won (yet); a majority is 2 of 3
              n2 asked for pre-votes first (would I win?): 1 of 3 (n2); it has not won it (yet), so its term has not changed
              n1 gave n2 no pre-vote: it ignored the request: it leads term 1 itself (leader lease: its followers heard from it within the minimum election timeout)
              n3 gave n2 no pre-vote: it ignored the request: it heard from its leader n1 within the minimum election timeout (leader lease)
            > why term 1
            \(Self.unanimous)
            > why term 9
            why: no election seen in term 9; elections in terms: 1 2
            """)
    }

    @Test("why: a bad term is a usage line")
    func usage() throws {
        var c = try SteppedClusterTests.cluster()
        #expect(c.run(line: "why term x") == ["error: usage: why [term N]"])
        #expect(c.run(line: "why a b c") == ["error: usage: why [term N]"])
    }
}
