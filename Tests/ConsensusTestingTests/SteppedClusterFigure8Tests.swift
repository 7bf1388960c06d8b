import Consensus
import ConsensusCore
import ConsensusTesting
import Testing

/// Figure 8 of the Raft paper (§5.4.2, "Committing entries from previous terms"), reproduced by
/// hand in step mode on five members, n1 to n5 for the paper's S1 to S5, with the commands a
/// learner types.
///
/// Check-quorum (and so the leader lease) is off: the figure is about the algorithm of the paper,
/// where a member votes for any candidate with an up-to-date log. Pre-vote stays on, so a member
/// that missed a term first learns it from the refusals and campaigns again.
///
/// Two differences from the figure, both from §8 of the paper: a new leader appends a no-op entry
/// of its term at once, so the figure's indexes shift by one (the term-2 entry of interest is
/// `2/3 put x=1`, after n1's term-2 no-op `2/2`), and in (c) the term-2 entries reach S3 in the
/// same message as S1's term-4 no-op, since a leader always sends everything after the
/// follower's match. The point of the figure holds: in (c) the term-2 entries sit on a majority
/// (n1, n2, n3) and are not committed; in (d) they are overwritten; in (e) they are committed
/// only together with an entry of the leader's own term.
@Suite("Step mode: Figure 8 of the Raft paper")
struct SteppedClusterFigure8Tests {
    /// (a), (b) and (c), which both endings share.
    static let scriptUpToC = """
        # Before (a): n2 leads term 1 and its no-op 1/1 reaches everyone.
        campaign n2
        stabilize
        # (a) n1 is elected in term 2; its entries reach only n2.
        campaign n1
        deliver
        deliver
        deliver
        deliver
        partition n1 n2 | n3 n4 n5
        put x 1 on n1
        stabilize
        # (b) n1 crashes; n5 is elected in term 3 with votes from n3, n4 and itself, and accepts
        # different entries at indexes 2 and 3 (its no-op and put x=5), which reach nobody.
        crash n1
        campaign n5
        deliver
        deliver
        deliver
        deliver
        drop
        put x 5 on n5
        # (c) n5 crashes; n1 restarts and is elected in term 4 (its first pre-vote is refused:
        # it learns term 3 from the refusals); it replicates its term-2 entries to n3.
        crash n5
        heal
        restart n1
        campaign n1
        stabilize
        campaign n1
        deliver
        deliver
        deliver
        deliver
        deliver n1->n3
        deliver n3->n1
        deliver n1->n3
        deliver n3->n1
        """

    static func upToC() throws -> (SteppedCluster, String) {
        var c = try SteppedClusterTests.cluster(seed: 8, members: 5, checkQuorum: false)
        let transcript = c.run(script: scriptUpToC)
        return (c, transcript)
    }

    /// The terms of a running member's log, index 1 first.
    static func terms(_ c: SteppedCluster, _ member: String) -> [Term] {
        guard let r = c.machine(member)?.raft, r.lastIndex >= r.firstIndex else { return [] }
        return r.entries(in: r.firstIndex...r.lastIndex).map(\.term)
    }

    static func commit(_ c: SteppedCluster, _ member: String) -> LogIndex? { c.machine(member)?.raft?.commitIndex }

    // Reference: §5.4.2 and Figure 8 (a) to (c).
    @Test("Figure 8 (a)-(c): the term-2 entry is on a majority and still not committed")
    func aToC() throws {
        var (c, transcript) = try Self.upToC()
        // (a) and (b) happened as in the figure.
        #expect(transcript.contains("  n1 becomes leader term:2"))
        #expect(transcript.contains("  n5 becomes leader term:3"))
        #expect(transcript.contains("  n5 appends 3/3 put x=5"))
        #expect(transcript.contains("  n1 becomes leader term:4"))
        // (c) n1 replicates its term-2 entries to n3, together with its term-4 no-op.
        #expect(transcript.hasSuffix("""
            > deliver n1->n3
            deliver n1->n3 AppendEntries term:4 prev:2/3 commit:1 entries:[4/4 noop]
              n3 follows n1 term:4
              n3->n1 AppendEntriesResponse term:4 refused prev:3 hint:1/1
            > deliver n3->n1
            deliver n3->n1 AppendEntriesResponse term:4 refused prev:3 hint:1/1
              n1->n3 AppendEntries term:4 prev:1/1 commit:1 entries:[2/2 noop, 2/3 put x=1, 4/4 noop]
            > deliver n1->n3
            deliver n1->n3 AppendEntries term:4 prev:1/1 commit:1 entries:[2/2 noop, 2/3 put x=1, 4/4 noop]
              n3 appends 2/2 noop, 2/3 put x=1, 4/4 noop
              n3->n1 AppendEntriesResponse term:4 ok match:4
            > deliver n3->n1
            deliver n3->n1 AppendEntriesResponse term:4 ok match:4
              n1->n3 AppendEntries term:4 prev:4/4 commit:1
            """))
        #expect(c.run(.status).map(\.description) == [
            "member  role      term  leader  commit  applied  time  log",
            "n1      leader    4     n1      1       1        0     1/1 2/2 2/3 4/4",
            "n2      follower  4     -       1       1        0     1/1 2/2 2/3",
            "n3      follower  4     n1      1       1        0     1/1 2/2 2/3 4/4",
            "n4      follower  4     -       1       1        0     1/1",
            "n5      down      3     -       1       -        0     1/1 3/2 3/3",
            "in flight: 3 messages",
        ])
        // The safety point: the term-2 entry 2/3 is on a majority (n1, n2, n3)...
        let holders = ["n1", "n2", "n3", "n4"].filter { Self.terms(c, $0).count >= 3 && Self.terms(c, $0)[2] == 2 }
        #expect(holders == ["n1", "n2", "n3"])
        // ...and nobody takes it for committed.
        for member in ["n1", "n2", "n3", "n4"] { #expect(Self.commit(c, member) == 1, "\(member)") }
        #expect(!transcript.contains("n1 commit 1->"), "the leader of term 4 commits nothing yet")
    }

    // Reference: Figure 8 (d). Had n1 committed 2/3 in (c), this would lose a committed entry.
    @Test("Figure 8 (d): n1 crashes, n5 is elected in term 5 and overwrites the term-2 entries")
    func d() throws {
        var (c, _) = try Self.upToC()
        let transcript = c.run(script: """
            drop n1->*
            crash n1
            restart n5
            campaign n5
            stabilize
            campaign n5
            stabilize
            """)
        #expect(transcript.contains("  n5 becomes leader term:5"))
        // n5's log is less up to date than n3's only: n2 and n4 vote for it.
        #expect(transcript.contains("deliver n5->n3 RequestVote term:5 last:3/3\n  n3 becomes follower term:5\n  n3->n5 Vote term:5 refused"))
        #expect(transcript.contains("  n2->n5 Vote term:5 granted"))
        #expect(transcript.contains("  n2 drops 2/2 noop, 2/3 put x=1\n  n2 appends 3/2 noop, 3/3 put x=5, 5/4 noop"))
        #expect(transcript.contains("  n3 drops 2/2 noop, 2/3 put x=1, 4/4 noop"))
        for member in ["n2", "n3", "n4", "n5"] {
            #expect(Self.terms(c, member) == [1, 3, 3, 5], "\(member)")
            #expect(Self.commit(c, member) == 4, "\(member)")
            #expect(c.machine(member)?.localRead("x").value == 5, "\(member)")
        }
    }

    // Reference: Figure 8 (e) and the commit rule of §5.4.2: a leader counts replicas only of
    // entries of its own term; earlier entries are committed indirectly.
    @Test("Figure 8 (e): n1 commits the term-2 entries only by committing its own term-4 entry")
    func e() throws {
        var (c, _) = try Self.upToC()
        #expect(c.run(script: "deliver n1->n2\ndeliver n2->n1") == """
            > deliver n1->n2
            deliver n1->n2 AppendEntries term:4 prev:2/3 commit:1 entries:[4/4 noop]
              n2 follows n1 term:4
              n2 appends 4/4 noop
              n2->n1 AppendEntriesResponse term:4 ok match:4
            > deliver n2->n1
            deliver n2->n1 AppendEntriesResponse term:4 ok match:4
              n1 commit 1->4
              n1 applies 2/2 noop
              n1 applies 2/3 put x=1
              n1 applies 4/4 noop
              n1->n3 AppendEntries term:4 prev:4/4 commit:4
              n1->n2 AppendEntries term:4 prev:4/4 commit:4
            """)
        // Now the term-2 entry is committed: n5 can no longer be elected, whatever it does.
        let after = c.run(script: """
            stabilize
            restart n5
            campaign n5
            stabilize
            campaign n5
            stabilize
            """)
        #expect(!after.contains("n5 becomes leader"))
        #expect(!after.contains(" drops "))
        for member in ["n1", "n2", "n3", "n4"] {
            #expect(Self.terms(c, member) == [1, 2, 2, 4], "\(member)")
            #expect(c.machine(member)?.localRead("x").value == 1, "\(member)")
        }
    }

    @Test("Figure 8 by hand replays byte for byte")
    func replay() throws {
        #expect(try Self.upToC().1 == Self.upToC().1)
    }
}
