@testable import ConsensusTesting
import ConsensusCore
import Testing

/// The checker must catch what it claims to catch (Raft paper, Figure 3).
@Suite("Invariant checker")
struct InvariantCheckerTests {
    func entry(_ index: LogIndex, _ term: Term, _ byte: UInt8 = 0) -> Entry {
        Entry(term: term, index: index, data: [byte])
    }

    @Test("Election safety: two leaders in one term are caught")
    func twoLeaders() throws {
        var c = InvariantChecker()
        try c.leaderElected(1, term: 3)
        try c.leaderElected(1, term: 3)
        #expect(throws: InvariantChecker.Violation.self) { try c.leaderElected(2, term: 3) }
    }

    @Test("Log matching: a different entry at the same index and term is caught")
    func logMatching() throws {
        var c = InvariantChecker()
        try c.persisted(1, [entry(1, 1, 7)]) { _ in 0 }
        try c.persisted(2, [entry(1, 1, 7)]) { _ in 0 }
        #expect(throws: InvariantChecker.Violation.self) { try c.persisted(3, [entry(1, 1, 8)]) { _ in 0 } }
        // Same entry but after a different term: the prefixes differ.
        try c.persisted(1, [entry(5, 2, 1)]) { _ in 1 }
        #expect(throws: InvariantChecker.Violation.self) { try c.persisted(2, [entry(5, 2, 1)]) { _ in 2 } }
    }

    @Test("State machine safety: committing a different entry at a committed index is caught")
    func divergentCommit() throws {
        var c = InvariantChecker()
        try c.committed(1, [entry(1, 1), entry(2, 1)])
        try c.committed(2, [entry(1, 1)])
        #expect(throws: InvariantChecker.Violation.self) { try c.committed(3, [entry(2, 2)]) }
        #expect(throws: InvariantChecker.Violation.self) { try c.committed(3, [entry(4, 2)]) }
    }

    @Test("State machine safety: applying out of order or an uncommitted entry is caught")
    func applyOrder() throws {
        var c = InvariantChecker()
        try c.committed(1, [entry(1, 1), entry(2, 1)])
        let s1 = InvariantChecker.fold(InvariantChecker.initialState, InvariantChecker.digest(entry(1, 1)))
        try c.applied(1, entry(1, 1), appliedBefore: 0, stateAfter: s1)
        #expect(throws: InvariantChecker.Violation.self) { try c.applied(1, entry(2, 1), appliedBefore: 0, stateAfter: s1) }
        #expect(throws: InvariantChecker.Violation.self) { try c.applied(1, entry(3, 1), appliedBefore: 2, stateAfter: s1) }
    }

    @Test("Leader completeness: a leader missing a committed entry is caught")
    func leaderCompleteness() throws {
        var c = InvariantChecker()
        try c.committed(1, [entry(1, 1)])
        let raft = Raft(id: 2, storage: .bootstrap(voters: [1, 2, 3]), random: SplitMix64(seed: 1))
        #expect(throws: InvariantChecker.Violation.self) { try c.checkLeaderCompleteness(raft) }
    }
}

/// Restoring a node whose last batch lost its hard state but kept its entries (a torn WAL tail).
@Suite("Restore after a torn batch")
struct TornBatchRestoreTests {
    @Test("Figure 2 persistent state: a log whose last term is above the stored term resumes in that term, with no vote")
    func termFollowsLog() {
        var storage = MemoryRaftStorage(bootstrap: [1, 2, 3])
        storage.persist(hardState: HardState(term: 3, vote: 2, commit: 0),
                        entries: [Entry(term: 3, index: 1), Entry(term: 5, index: 2)], snapshot: nil)
        let raft = Raft(id: 1, storage: storage.persistentState, random: SplitMix64(seed: 1))
        #expect(raft.term == 5)
        #expect(raft.vote == nil)
        #expect(raft.lastTerm == 5)
    }
}
