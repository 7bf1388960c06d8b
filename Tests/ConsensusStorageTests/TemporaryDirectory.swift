import ConsensusCore
import Foundation
import Testing

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = #function) {
        let name = "consensus-storage-\(label.filter(\.isLetter))-\(UUID().uuidString)"
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of this directory (without its LOCK holder, which is per open file).
    func copy(_ label: String = "copy") throws -> TemporaryDirectory {
        let other = TemporaryDirectory(label)
        try FileManager.default.copyItem(atPath: path, toPath: other.path)
        return other
    }

    func file(_ relative: String) -> String { path + "/" + relative }

    /// The WAL segment files, oldest first.
    func segments() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: file("wal")).filter { $0.hasSuffix(".log") }.sorted().map { file("wal/" + $0) }
    }

    func snapshots() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: file("snap")).filter { $0.hasSuffix(".snap") }.sorted()
    }
}

func fileSize(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.size] as! NSNumber).intValue
}

func truncateFile(_ path: String, to length: Int) throws {
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.truncate(atOffset: UInt64(length))
    try handle.close()
}

/// Flips one bit of the byte at `offset`.
func flipBit(_ path: String, at offset: Int, bit: Int = 0) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[offset] ^= UInt8(1 << bit)
    try data.write(to: URL(fileURLWithPath: path))
}

/// Entries `range` of `term` whose payload names their index and term.
func entries(_ range: ClosedRange<LogIndex>, term: Term, bytes: Int = 16) -> [Entry] {
    range.map { i in
        Entry(term: term, index: i, data: Array("\(i)@\(term):".utf8) + [UInt8](repeating: UInt8(i % 251), count: bytes))
    }
}

/// Checks that two persistent states are the same, field by field.
func expectSame(_ a: PersistentState, _ b: PersistentState, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.hardState == b.hardState, sourceLocation: sourceLocation)
    #expect(a.snapshot == b.snapshot, sourceLocation: sourceLocation)
    #expect(a.entries == b.entries, sourceLocation: sourceLocation)
}
