import ConsensusCore
import ConsensusStorage
import Testing

/// The in-memory `Storage`: what a restarted node reads back is what was persisted (Figure 2:
/// currentTerm, votedFor and log[] are persistent state).
@Suite("Memory storage")
struct MemoryStorageTests {
    func entries(_ range: ClosedRange<LogIndex>, term: Term) -> [Entry] {
        range.map { Entry(term: term, index: $0, data: [UInt8($0 % 256)]) }
    }

    @Test("A new store is empty; a bootstrapped one is not")
    func emptiness() throws {
        #expect(try MemoryStorage().hasState() == false)
        #expect(try MemoryStorage(.bootstrap(voters: [1, 2, 3])).hasState() == true)
        #expect(try MemoryStorage(.bootstrap(voters: [1, 2, 3])).load().snapshot.metadata.configuration.voters == [1, 2, 3])
    }

    @Test("Hard state and entries persist; a later entry replaces the suffix it overlaps (§5.3)")
    func persistAndOverwrite() throws {
        let s = MemoryStorage()
        try s.persist(hardState: HardState(term: 2, vote: 1, commit: 0), entries: entries(1...5, term: 1), snapshot: nil)
        try s.persist(hardState: HardState(term: 3, vote: 2, commit: 2), entries: entries(4...4, term: 3), snapshot: nil)
        let state = try s.load()
        #expect(state.hardState == HardState(term: 3, vote: 2, commit: 2))
        #expect(state.entries.map(\.index) == [1, 2, 3, 4])
        #expect(state.entries.last?.term == 3)
    }

    @Test("A snapshot from the leader replaces the log; a local snapshot compacts it (§7)")
    func snapshots() throws {
        let s = MemoryStorage()
        try s.persist(hardState: nil, entries: entries(1...10, term: 1), snapshot: nil)
        let config = Configuration(voters: [1, 2, 3])
        try s.saveSnapshot(Snapshot(metadata: SnapshotMetadata(index: 6, term: 1, configuration: config), data: [9]))
        #expect(try s.load().entries.map(\.index) == [7, 8, 9, 10])
        try s.persist(hardState: nil, entries: [], snapshot: Snapshot(metadata: SnapshotMetadata(index: 20, term: 2, configuration: config), data: [7]))
        let state = try s.load()
        #expect(state.entries.isEmpty)
        #expect(state.snapshot.metadata.index == 20)
        #expect(state.snapshot.data == [7])
    }

    @Test("A restarted core reads back its term, vote and log")
    func restartCore() throws {
        let s = MemoryStorage(.bootstrap(voters: [1]))
        var raft = Raft(id: 1, storage: try s.load(), random: SplitMix64(seed: 1))
        raft.campaign()
        for _ in 0..<3 {
            let rd = raft.ready()
            try s.persist(rd)
            raft.advance(rd)
        }
        try raft.propose([42])
        while raft.hasReady {
            let rd = raft.ready()
            try s.persist(rd)
            raft.advance(rd)
        }
        let restarted = Raft(id: 1, storage: try s.load(), random: SplitMix64(seed: 2))
        #expect(restarted.term == raft.term)
        #expect(restarted.vote == 1)
        #expect(restarted.lastIndex == raft.lastIndex)
        #expect(restarted.entries(in: 1...restarted.lastIndex).last?.data == [42])
    }
}
