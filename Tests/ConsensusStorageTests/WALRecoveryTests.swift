import ConsensusCore
@testable import ConsensusStorage
import Foundation
import Testing

/// Recovery on open: a torn write at the end of the last segment is dropped (its `persist`
/// never returned, so it was never acknowledged); anything else that does not check out stops
/// the node with an error naming the file (DESIGN.md, "Storage").
@Suite("WAL recovery")
struct WALRecoveryTests {
    func size(of record: WALRecord) -> Int {
        var bytes: [UInt8] = []
        record.encode(into: &bytes)
        return bytes.count
    }

    /// A directory whose last persist wrote entries 6...8 and a hard state in one batch.
    func directoryWithLastBatch() throws -> (dir: TemporaryDirectory, batchStart: Int, records: [WALRecord]) {
        let dir = TemporaryDirectory()
        let s = try FileStorage(directory: dir.path)
        for i in LogIndex(1)...5 {
            try s.persist(hardState: HardState(term: 1, vote: 1, commit: i - 1), entries: entries(i...i, term: 1), snapshot: nil)
        }
        let segment = try dir.segments().last!
        let batchStart = try fileSize(segment)
        let batch = entries(6...8, term: 2)
        let hs = HardState(term: 2, vote: 3, commit: 5)
        try s.persist(hardState: hs, entries: batch, snapshot: nil)
        s.close()
        return (dir, batchStart, batch.map(WALRecord.entry) + [.hardState(hs)])
    }

    @Test("Truncating the last segment at every byte offset of its last batch keeps exactly the complete records")
    func everyTruncationPoint() throws {
        let (dir, batchStart, records) = try directoryWithLastBatch()
        defer { dir.remove() }
        let segmentName = try (dir.segments().last! as NSString).lastPathComponent
        let batchEnd = batchStart + records.map(size(of:)).reduce(0, +)
        #expect(try fileSize(dir.segments().last!) == batchEnd)
        for cut in batchStart...batchEnd {
            let copy = try dir.copy()
            defer { copy.remove() }
            let segment = copy.file("wal/" + segmentName)
            try truncateFile(segment, to: cut)
            // The records of the batch that fit wholly before the cut.
            var complete = 0, end = batchStart
            while complete < records.count && end + size(of: records[complete]) <= cut {
                end += size(of: records[complete])
                complete += 1
            }
            let s = try FileStorage(directory: copy.path)
            let state = try s.load()
            let kept = records[..<complete].compactMap { if case .entry(let e) = $0 { e } else { nil } }
            #expect(state.entries == entries(1...5, term: 1) + kept, "cut at \(cut)")
            let hardStateKept = complete == records.count
            #expect(state.hardState == (hardStateKept ? HardState(term: 2, vote: 3, commit: 5) : HardState(term: 1, vote: 1, commit: 4)), "cut at \(cut)")
            // The torn tail is cut off the file, and appending continues after the last good record.
            #expect(try fileSize(segment) == end, "cut at \(cut)")
            try s.persist(hardState: nil, entries: entries(LogIndex(6 + kept.count)...LogIndex(6 + kept.count), term: 3), snapshot: nil)
            s.close()
            #expect(try FileStorage(directory: copy.path).load().entries.last?.index == LogIndex(6 + kept.count))
        }
    }

    @Test("Zero bytes at the end of the last segment (an extended but unwritten tail) are a torn write")
    func zeroTail() throws {
        let (dir, _, _) = try directoryWithLastBatch()
        defer { dir.remove() }
        let segment = try dir.segments().last!
        let handle = try #require(FileHandle(forUpdatingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 4096))
        try handle.close()
        let state = try FileStorage(directory: dir.path).load()
        #expect(state.entries.map(\.index) == Array(1...8))
    }

    @Test("An empty last segment (a crash right after creating it) gets its header back and the log continues")
    func emptyLastSegment() throws {
        let (dir, _, _) = try directoryWithLastBatch()
        defer { dir.remove() }
        let empty = dir.file("wal/00000000000000000002.log")
        #expect(FileManager.default.createFile(atPath: empty, contents: nil))
        let s = try FileStorage(directory: dir.path)
        #expect(try fileSize(empty) > 0)
        try s.persist(hardState: HardState(term: 2, vote: 3, commit: 9), entries: entries(9...9, term: 2), snapshot: nil)
        s.close()
        let state = try FileStorage(directory: dir.path).load()
        #expect(state.entries.map(\.index) == Array(1...9))
        #expect(state.hardState == HardState(term: 2, vote: 3, commit: 9))
    }

    @Test("A flipped bit in a record in the middle of the last segment refuses the open, naming the file and offset")
    func bitFlipInTheMiddle() throws {
        let (dir, batchStart, _) = try directoryWithLastBatch()
        defer { dir.remove() }
        let segment = try dir.segments().last!
        // Inside the payload of a record before the last batch.
        let offset = batchStart - 10
        try flipBit(segment, at: offset, bit: 3)
        let error = try #require(throws: StorageError.self) { try FileStorage(directory: dir.path) }
        guard case let .corruption(file, at, reason) = error else { Issue.record("expected corruption, got \(error)"); return }
        #expect(file == segment)
        #expect(at < batchStart && at > 0)
        #expect(reason.contains("checksum"))
        #expect(error.description.contains(segment))
        #expect(error.description.contains("refuses to start"))
        // The failed open released the lock: opening again reports the same corruption.
        #expect(throws: error) { try FileStorage(directory: dir.path) }
    }

    @Test("A damaged length field in the middle of the last segment is corruption, not a torn tail")
    func damagedLength() throws {
        let (dir, batchStart, _) = try directoryWithLastBatch()
        defer { dir.remove() }
        let segment = try dir.segments().last!
        // A high bit of the length of the first record of the last batch: it now claims more
        // bytes than the file has, like a torn write, but valid records follow it.
        try flipBit(segment, at: batchStart + 1, bit: 6)
        let error = try #require(throws: StorageError.self) { try FileStorage(directory: dir.path) }
        guard case let .corruption(file, at, reason) = error else { Issue.record("expected corruption, got \(error)"); return }
        #expect(file == segment)
        #expect(at == batchStart)
        #expect(reason.contains("valid record follows"))
    }

    @Test("Every single-bit flip in an earlier segment is corruption naming that segment")
    func bitFlipsInEarlierSegment() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path, segmentBytesMax: 300)
        for i in LogIndex(1)...12 {
            try s.persist(hardState: HardState(term: 1, commit: i - 1), entries: entries(i...i, term: 1), snapshot: nil)
        }
        s.close()
        let segments = try dir.segments()
        #expect(segments.count >= 3)
        let first = segments[0]
        for offset in 0..<(try fileSize(first)) {
            let copy = try dir.copy()
            defer { copy.remove() }
            let path = copy.file("wal/" + (first as NSString).lastPathComponent)
            try flipBit(path, at: offset, bit: offset % 8)
            let error = try #require(throws: StorageError.self, "flip at \(offset)") { try FileStorage(directory: copy.path, segmentBytesMax: 300) }
            guard case let .corruption(file, _, _) = error else { Issue.record("flip at \(offset): \(error)"); continue }
            #expect(file == path)
        }
    }

    @Test("A missing segment in the middle or at the start is its own error, naming the segment")
    func missingSegment() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path, segmentBytesMax: 300)
        for i in LogIndex(1)...12 {
            try s.persist(hardState: HardState(term: 1, commit: i - 1), entries: entries(i...i, term: 1), snapshot: nil)
        }
        s.close()
        let segments = try dir.segments()
        #expect(segments.count >= 3)

        let middle = try dir.copy()
        defer { middle.remove() }
        let gone = middle.file("wal/" + (segments[1] as NSString).lastPathComponent)
        try FileManager.default.removeItem(atPath: gone)
        #expect(throws: StorageError.missingSegment(file: gone, reason: "segments 00000000000000000001.log and 00000000000000000003.log exist but not the ones between them")) {
            try FileStorage(directory: middle.path)
        }

        let start = try dir.copy()
        defer { start.remove() }
        try FileManager.default.removeItem(atPath: start.file("wal/00000000000000000001.log"))
        let error = try #require(throws: StorageError.self) { try FileStorage(directory: start.path) }
        guard case let .missingSegment(file, reason) = error else { Issue.record("got \(error)"); return }
        #expect(file == start.file("wal/00000000000000000001.log"))
        #expect(reason.contains("snapshot covers only up to index 0"))
        #expect(error.description.contains("missing WAL segment"))
    }

    @Test("A missing snapshot file is its own error; a damaged one is corruption naming it")
    func missingSnapshot() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let s = try FileStorage(directory: dir.path)
        try s.persist(hardState: HardState(term: 1, commit: 10), entries: entries(1...10, term: 1), snapshot: nil)
        let config = Configuration(voters: [1])
        try s.saveSnapshot(Snapshot(metadata: SnapshotMetadata(index: 6, term: 1, configuration: config), data: Array(repeating: 5, count: 100)))
        s.close()
        let snapshotFile = dir.file("snap/" + SnapshotFile.name(index: 6, term: 1))

        let damaged = try dir.copy()
        defer { damaged.remove() }
        try flipBit(damaged.file("snap/" + SnapshotFile.name(index: 6, term: 1)), at: 60)
        let error = try #require(throws: StorageError.self) { try FileStorage(directory: damaged.path).load() }
        guard case let .corruption(file, _, reason) = error else { Issue.record("got \(error)"); return }
        #expect(file == damaged.file("snap/" + SnapshotFile.name(index: 6, term: 1)))
        #expect(reason.contains("snapshot checksum"))

        try FileManager.default.removeItem(atPath: snapshotFile)
        #expect(throws: StorageError.missingSnapshot(file: snapshotFile)) { try FileStorage(directory: dir.path) }
    }

    @Test("A directory of format 1 (before binary commands) opens with its log, and is marked format 2, which builds of format 1 refuse")
    func formatOneIsReadAndMarkedTwo() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var storage = try FileStorage(directory: dir.path)
        try storage.persist(hardState: HardState(term: 2, vote: 1, commit: 1), entries: [Entry(term: 2, index: 1, data: [0, 1, 2])], snapshot: nil)
        storage.close()
        try "swift-consensus-storage 1\n".write(toFile: dir.file("FORMAT"), atomically: true, encoding: .utf8)
        storage = try FileStorage(directory: dir.path)
        #expect(try storage.load().entries == [Entry(term: 2, index: 1, data: [0, 1, 2])])
        storage.close()
        #expect(try String(contentsOfFile: dir.file("FORMAT"), encoding: .utf8) == "swift-consensus-storage 2\n")
    }

    @Test("A directory written in another format is refused with both versions named")
    func wrongFormat() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try FileStorage(directory: dir.path).close()
        try "swift-consensus-storage 99\n".write(toFile: dir.file("FORMAT"), atomically: true, encoding: .utf8)
        #expect(throws: StorageError.unsupportedFormat(found: "swift-consensus-storage 99", expected: "swift-consensus-storage 2")) {
            try FileStorage(directory: dir.path)
        }
        try FileManager.default.removeItem(atPath: dir.file("FORMAT"))
        let error = try #require(throws: StorageError.self) { try FileStorage(directory: dir.path) }
        #expect(error.description.contains("no FORMAT file"))
    }

    @Test("A second FileStorage on a directory in use is refused until the first one closes")
    func secondOpen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = try FileStorage(directory: dir.path)
        #expect(throws: StorageError.locked(directory: dir.path)) { try FileStorage(directory: dir.path) }
        #expect(StorageError.locked(directory: dir.path).description.contains("in use"))
        first.close()
        try FileStorage(directory: dir.path).close()
    }
}
