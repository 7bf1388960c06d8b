import ConsensusCore
@testable import ConsensusStorage
import Foundation
import Testing

/// `FileStorage` reads back exactly what was persisted, across reopening (Figure 2: currentTerm,
/// votedFor and log[] are persistent state; §7: snapshots), and keeps its directory in shape:
/// segments roll over, a snapshot deletes the segments it covers, old snapshots are pruned.
@Suite("File storage")
struct FileStorageTests {
    let config = Configuration(voters: [1, 2, 3])

    func snapshot(_ index: LogIndex, term: Term, data: [UInt8] = [7, 7]) -> Snapshot {
        Snapshot(metadata: SnapshotMetadata(index: index, term: term, configuration: config), data: data)
    }

    @Test("A new directory is empty and gets its FORMAT, LOCK and first segment")
    func newDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path)
        #expect(try s.hasState() == false)
        expectSame(try s.load(), .empty)
        #expect(FileManager.default.fileExists(atPath: dir.file("FORMAT")))
        #expect(FileManager.default.fileExists(atPath: dir.file("LOCK")))
        #expect(try dir.segments().map { ($0 as NSString).lastPathComponent } == ["00000000000000000001.log"])
        s.close()
        #expect(try FileStorage(directory: dir.path).hasState() == false)
    }

    @Test("Hard state, entries and an overwritten suffix survive reopening (§5.3)")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let model = MemoryStorage()
        do {
            let s = try FileStorage(directory: dir.path)
            for target in [model as any Storage, s] {
                try target.persist(hardState: HardState(term: 0), entries: [], snapshot: snapshot(0, term: 0, data: []))
                try target.persist(hardState: HardState(term: 2, vote: 1, commit: 0), entries: entries(1...5, term: 1), snapshot: nil)
                try target.persist(hardState: HardState(term: 3, vote: 2, commit: 2), entries: entries(4...4, term: 3), snapshot: nil)
                try target.persist(hardState: nil, entries: entries(5...6, term: 3), snapshot: nil)
            }
            expectSame(try s.load(), try model.load())
            s.close()
        }
        let reopened = try FileStorage(directory: dir.path)
        #expect(try reopened.hasState())
        let state = try reopened.load()
        expectSame(state, try model.load())
        #expect(state.entries.map(\.index) == [1, 2, 3, 4, 5, 6])
        #expect(state.entries.map(\.term) == [1, 1, 1, 3, 3, 3])
        #expect(state.hardState == HardState(term: 3, vote: 2, commit: 2))
    }

    @Test("A commit index alone is buffered, not synced: lost if the process ends first (term and vote never are), durable with the next synced write")
    func commitOnlyIsBuffered() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let s = try FileStorage(directory: dir.path)
            try s.persist(hardState: HardState(term: 2, vote: 1, commit: 0), entries: entries(1...3, term: 2), snapshot: nil)
            let size = try dir.segments().map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
            try s.persist(hardState: HardState(term: 2, vote: 1, commit: 3), entries: [], snapshot: nil, mustSync: false)
            // Nothing reached the file: no write, no fdatasync.
            #expect(try dir.segments().map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int } == size)
            #expect(try s.load().hardState == HardState(term: 2, vote: 1, commit: 0))
            s.close()
        }
        do {
            // As after a crash: the commit index went back, term, vote and entries are there.
            let s = try FileStorage(directory: dir.path)
            let state = try s.load()
            #expect(state.hardState == HardState(term: 2, vote: 1, commit: 0))
            #expect(state.entries.map(\.index) == [1, 2, 3])
            try s.persist(hardState: HardState(term: 2, vote: 1, commit: 2), entries: [], snapshot: nil, mustSync: false)
            try s.persist(hardState: nil, entries: entries(4...4, term: 2), snapshot: nil, mustSync: true)
            s.close()
        }
        let state = try FileStorage(directory: dir.path).load()
        #expect(state.hardState == HardState(term: 2, vote: 1, commit: 2))
        #expect(state.entries.map(\.index) == [1, 2, 3, 4])
    }

    @Test("A buffered commit index never moves the WAL to a new segment (that would sync, and the runtime writes it in place); the next synced write does")
    func commitOnlyNeverRollsOver() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let s = try FileStorage(directory: dir.path, segmentBytesMax: 400)
            // Synced writes until the WAL has just moved to a fresh segment.
            var next: LogIndex = 1
            while true {
                let before = try dir.segments().count
                try s.persist(hardState: HardState(term: 1, vote: 1, commit: next - 1), entries: entries(next...next, term: 1), snapshot: nil)
                next += 1
                if try dir.segments().count > before { break }
            }
            let segments = try dir.segments()
            // Commit-only hard states worth more than a whole segment: none may move the WAL on.
            for _ in 0..<40 {
                try s.persist(hardState: HardState(term: 1, vote: 1, commit: next - 1), entries: [], snapshot: nil, mustSync: false)
            }
            #expect(try dir.segments() == segments)
            // The next synced write moves on and carries the buffered commit index with it.
            try s.persist(hardState: nil, entries: entries(next...next, term: 1), snapshot: nil)
            s.close()
        }
        let state = try FileStorage(directory: dir.path, segmentBytesMax: 400).load()
        #expect(state.hardState.commit == state.entries.last!.index - 1)
        #expect(state.entries.map(\.index) == Array(1...state.entries.last!.index))
    }

    @Test("A snapshot from the leader replaces the log; a local snapshot compacts it (§7)")
    func snapshots() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let model = MemoryStorage()
        let s = try FileStorage(directory: dir.path)
        for target in [model as any Storage, s] {
            try target.persist(hardState: HardState(term: 1, commit: 8), entries: entries(1...10, term: 1), snapshot: nil)
            try target.saveSnapshot(snapshot(6, term: 1, data: [1]))
        }
        s.close()
        var reopened = try FileStorage(directory: dir.path)
        expectSame(try reopened.load(), try model.load())
        #expect(try reopened.load().entries.map(\.index) == [7, 8, 9, 10])
        for target in [model as any Storage, reopened] {
            // Entries 11...12 are stale: the leader's snapshot at 20 replaces everything.
            try target.persist(hardState: nil, entries: entries(11...12, term: 1), snapshot: nil)
            try target.persist(hardState: HardState(term: 2, commit: 20), entries: [], snapshot: snapshot(20, term: 2, data: [2]))
        }
        reopened.close()
        reopened = try FileStorage(directory: dir.path)
        let state = try reopened.load()
        expectSame(state, try model.load())
        #expect(state.entries.isEmpty)
        #expect(state.snapshot.metadata.index == 20)
        #expect(state.snapshot.data == [2])
        #expect(state.snapshot.metadata.configuration == config)
        // And the log continues after it.
        for target in [model as any Storage, reopened] {
            try target.persist(hardState: HardState(term: 2, commit: 22), entries: entries(21...23, term: 2), snapshot: nil)
        }
        reopened.close()
        expectSame(try FileStorage(directory: dir.path).load(), try model.load())
    }

    @Test("Random operations with small segments, reopened at random points, read back like MemoryStorage")
    func modelCheck() throws {
        for seed in UInt64(1)...8 {
            let dir = TemporaryDirectory()
            defer { dir.remove() }
            var rng = SplitMix64(seed: seed)
            let model = MemoryStorage()
            var s = try FileStorage(directory: dir.path, segmentBytesMax: 400)
            var term: Term = 1
            var snapshotIndex: LogIndex = 0
            var lastIndex: LogIndex = 0
            for _ in 0..<120 {
                var hs: HardState?
                var new: [Entry] = []
                var leaderSnapshot: Snapshot?
                switch Int.random(in: 0..<10, using: &rng) {
                case 0...5:
                    // Append, or overwrite a suffix after the snapshot (§5.3).
                    let from = Bool.random(using: &rng) && lastIndex > snapshotIndex
                        ? LogIndex.random(in: snapshotIndex + 1...lastIndex, using: &rng) : lastIndex + 1
                    if from <= lastIndex { term += 1 }
                    new = entries(from...from + LogIndex.random(in: 0...4, using: &rng), term: term, bytes: Int.random(in: 0...40, using: &rng))
                    lastIndex = new.last!.index
                    if Bool.random(using: &rng) { hs = HardState(term: term, vote: 1, commit: snapshotIndex) }
                case 6:
                    hs = HardState(term: term, vote: 2, commit: snapshotIndex)
                case 7 where lastIndex > snapshotIndex:
                    let at = LogIndex.random(in: snapshotIndex + 1...lastIndex, using: &rng)
                    let t = try model.load().entries.first { $0.index == at }!.term
                    for target in [model as any Storage, s] { try target.saveSnapshot(snapshot(at, term: t, data: [UInt8(at % 256)])) }
                    snapshotIndex = at
                case 8:
                    term += 1
                    snapshotIndex = lastIndex + LogIndex.random(in: 1...5, using: &rng)
                    lastIndex = snapshotIndex
                    leaderSnapshot = snapshot(snapshotIndex, term: term, data: [UInt8(snapshotIndex % 256), 1])
                    hs = HardState(term: term, commit: snapshotIndex)
                default:
                    s.close()
                    s = try FileStorage(directory: dir.path, segmentBytesMax: 400)
                }
                for target in [model as any Storage, s] { try target.persist(hardState: hs, entries: new, snapshot: leaderSnapshot) }
                expectSame(try s.load(), try model.load())
            }
            s.close()
            expectSame(try FileStorage(directory: dir.path, segmentBytesMax: 400).load(), try model.load())
        }
    }

    @Test("The WAL moves to a new segment past segmentBytesMax; a snapshot deletes the segments it wholly covers")
    func rolloverAndCompaction() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path, segmentBytesMax: 1024)
        for i in LogIndex(1)...100 {
            try s.persist(hardState: HardState(term: 1, commit: i - 1), entries: entries(i...i, term: 1, bytes: 60), snapshot: nil)
        }
        let before = try dir.segments()
        #expect(before.count >= 10)
        for path in before { #expect(try fileSize(path) <= 1024) }
        try s.saveSnapshot(snapshot(80, term: 1))
        let after = try dir.segments()
        // Only segments holding entries past 80 (and the active one) remain.
        #expect(after.count < before.count)
        #expect(after.count <= 4)
        #expect(after.last == before.last)
        #expect(Array(before.suffix(after.count)) == after)
        s.close()
        let state = try FileStorage(directory: dir.path, segmentBytesMax: 1024).load()
        #expect(state.entries.map(\.index) == Array(81...100))
        #expect(state.snapshot.metadata.index == 80)
        #expect(state.hardState == HardState(term: 1, commit: 99))
    }

    @Test("Only the two latest snapshot files are kept")
    func snapshotPruning() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path)
        try s.persist(hardState: HardState(term: 1, commit: 30), entries: entries(1...30, term: 1), snapshot: nil)
        for at in [LogIndex(10), 20, 25, 30] { try s.saveSnapshot(snapshot(at, term: 1)) }
        #expect(try dir.snapshots() == [SnapshotFile.name(index: 25, term: 1), SnapshotFile.name(index: 30, term: 1)])
        s.close()
        #expect(try FileStorage(directory: dir.path).load().snapshot.metadata.index == 30)
    }

    @Test("A closed storage refuses calls; closing releases the lock")
    func closing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path)
        s.close()
        s.close()
        #expect(throws: StorageError.closed(directory: dir.path)) { try s.load() }
        let again = try FileStorage(directory: dir.path)
        #expect(try again.hasState() == false)
    }
}
