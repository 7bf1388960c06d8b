import ConsensusCore
import ConsensusTesting
import Testing

/// The commit rule (§5.4.2) and Figure 8 of the Raft paper.
///
/// Figure 8, in this package's terms (index 1 of term 1 is committed everywhere):
/// - (a)/(b): S1 led term 2 and put an entry of term 2 at index 2 on S1 and S2 only, then
///   crashed; S5 led term 3 and put a different entry (term 3) at index 2 on itself only, then
///   crashed.
/// - (c): S1 is elected in term 4 (its no-op of term 4 goes to index 3) and copies the term-2
///   entry to S3: index 2 is now on a majority (S1, S2, S3), but it is **not** committed.
/// - (d): if S1 crashes now, S5 can be elected (votes from S3, S4 and itself) and overwrite
///   index 2 everywhere with its term-3 entry. Had S1 committed index 2 by counting replicas,
///   a committed entry would be lost.
/// - (e): if instead S1 gets an entry of its own term (the no-op) onto a majority, index 3
///   commits, and index 2 with it, indirectly; S5 can no longer win.
@Suite("The commit rule (§5.4.2, Figure 8)")
struct CommitRuleTests {
    /// Plain Raft of the paper: no pre-vote, no check-quorum (neither changes the commit rule).
    static let paperOptions = options(preVote: false, checkQuorum: false, maxBytes: 1)

    /// Builds Figure 8 (c): S1 leads term 4; index 2 (term 2) is on S1, S2 and S3; index 3
    /// (S1's no-op of term 4) is on S1 and S2 only. S4 and S5 are down.
    static func figure8c() -> InteractionCluster {
        let c = InteractionCluster()
        let voters: Set<NodeID> = [1, 2, 3, 4, 5]
        c.addNode(1, storage: persisted(voters: voters, term: 3, commit: 1, log: [1, 2]), options: paperOptions)
        c.addNode(2, storage: persisted(voters: voters, term: 2, commit: 1, log: [1, 2]), options: paperOptions)
        c.addNode(3, storage: persisted(voters: voters, term: 3, vote: 5, commit: 1, log: [1]), options: paperOptions)
        c.addNode(4, storage: persisted(voters: voters, term: 3, vote: 5, commit: 1, log: [1]), options: paperOptions)
        c.addNode(5, storage: persisted(voters: voters, term: 3, vote: 5, commit: 1, log: [1, 3]), options: paperOptions)
        c.isolate(4)
        c.isolate(5)
        // S3 receives the term-2 entry but not yet the term-4 entry after it (maxBytesPerMessage
        // is 1, so once S3 answers the first probe, each append carries a single entry).
        c.dropFilter = { [unowned c] m in
            guard m.from == 1, m.to == 3, case let .append(_, _, entries, _) = m.kind else { return false }
            return c[3].lastIndex >= 2 && entries.contains { $0.index == 3 }
        }
        c.campaign(1)
        c.stabilize()
        return c
    }

    // Reference: §5.4.2, Figure 8 (c) — counting replicas is not enough for an entry of an
    // earlier term. (This test fails if `maybeCommit` drops its `term(at:) == term` check.)
    @Test("Figure 8 (c): an old-term entry on a majority is not committed by counting replicas")
    func figure8NotCommittedByCounting() throws {
        let c = Self.figure8c()
        try #require(c.leader == 1)
        #expect(c[1].term == 4)
        #expect(c.logTerms(1) == [1, 2, 4])
        #expect(c.logTerms(2) == [1, 2, 4])
        #expect(c.logTerms(3) == [1, 2])
        // Index 2 is stored on S1, S2 and S3: a majority of five. Still, nothing past 1 commits.
        try #require(c[1].commitIndex == 1, "Figure 8: a leader must not commit an entry of term 2 by counting replicas")
        #expect(c.ids.allSatisfy { c[$0].commitIndex == 1 })
        #expect(c.ids.allSatisfy { c[$0].appliedIndex <= 1 })
    }

    // Reference: §5.4.2, Figure 8 (d) — why: the uncommitted entry may still be replaced.
    @Test("Figure 8 (d): S5 can still be elected and overwrite the term-2 entry")
    func figure8OverwrittenBySFive() throws {
        let c = Self.figure8c()
        try #require(c[1].commitIndex == 1)
        // S1 crashes; S5 comes back. S2 (which has the term-4 entry) refuses S5; S3 and S4 accept.
        c.heal()
        c.isolate(1)
        c.campaign(5)  // term 4: S3 already voted for S1 in term 4
        c.stabilize()
        if !c[5].isLeader {
            c.campaign(5)  // term 5
            c.stabilize()
        }
        try #require(c.leader == 5)
        #expect(c.logTerms(3).prefix(2) == [1, 3])
        #expect(c.logTerms(4).prefix(2) == [1, 3])
        #expect(c[3].term(at: 2) == 3)
        #expect(c[5].commitIndex >= 2)
    }

    // Reference: §5.4.2, Figure 8 (e) — the term-2 entry commits indirectly, together with an
    // entry of the leader's own term; afterwards S5 can no longer win.
    @Test("Figure 8 (e): the old-term entry commits indirectly with an entry of the current term")
    func figure8CommittedIndirectly() throws {
        let c = Self.figure8c()
        try #require(c[1].commitIndex == 1)
        c.dropFilter = nil  // S3 may now receive the term-4 entry
        c.tick(1)
        c.stabilize()
        #expect(c.logTerms(3) == [1, 2, 4])
        #expect(c[1].commitIndex == 3)
        #expect(c.appliedEntries[1]!.map(\.term) == [1, 2, 4])
        // S5 (term 3 at index 2) cannot gather a majority any more: S1, S2 and S3 all refuse it.
        c.heal()
        c.isolate(1)
        c.campaign(5)
        c.stabilize()
        c.campaign(5)
        c.stabilize()
        #expect(!c[5].isLeader)
        #expect(c[3].term(at: 2) == 2)
    }

    // Reference: §5.4.2, §8 — a new leader commits the previous terms' entries through its no-op.
    @Test("§5.4.2 a new leader commits earlier-term entries only together with its no-op")
    func newLeaderCommitsThroughNoop() {
        let c = InteractionCluster()
        for id: NodeID in [1, 2, 3] {
            c.addNode(id, storage: persisted(voters: [1, 2, 3], term: 1, commit: 1, log: [1, 1, 1]))
        }
        c.campaign(1)
        c.stabilize()
        #expect(c[1].term == 2)
        #expect(c.ids.allSatisfy { c[$0].commitIndex == 4 })
        // The leader never announced a commit index of 2 or 3: it jumped from 1 to 4.
        let announced = Set(c.history.compactMap { m -> LogIndex? in
            guard m.from == 1, case let .append(_, _, _, commit) = m.kind else { return nil }
            return commit
        })
        #expect(announced == [1, 4])
    }

    // Reference: §5.4.3 (Leader Completeness) — every committed entry is in every later leader's log.
    @Test("§5.4.3 a committed entry survives a change of leader")
    func committedEntrySurvivesLeaderChange() throws {
        let c = electedCluster()
        try c.propose(1, "kept")
        c.stabilize()
        c.isolate(1)
        #expect(c.elapse(only: [1, 2, 3]) { c[2].isLeader || c[3].isLeader })
        let leader = c[2].isLeader ? NodeID(2) : 3
        try c.propose(leader, "next")
        c.stabilize()
        c.heal()
        c.elapse(3)
        for id in c.ids { #expect(c.values(id) == ["kept", "next"]) }
    }
}
