import ConsensusCore

/// Where things are in a data directory:
///
/// ```
/// <directory>/FORMAT                         the on-disk format, checked on open
/// <directory>/LOCK                           flock'ed while a FileStorage has it open
/// <directory>/wal/00000000000000000001.log   WAL segments, numbered from 1 without gaps
/// <directory>/snap/<index>-<term>.snap       the latest snapshots (two are kept)
/// ```
struct FileStorageLayout: Sendable {
    let root: String
    /// Where the files are: the real disk or a simulated one.
    let fileSystem: any FileSystem

    var wal: String { root + "/wal" }
    var snap: String { root + "/snap" }

    func segment(_ sequence: UInt64) -> String { wal + "/" + Self.segmentName(sequence) }

    func snapshot(index: LogIndex, term: Term) -> String {
        snap + "/" + SnapshotFile.name(index: index, term: term)
    }

    static func segmentName(_ sequence: UInt64) -> String { padded(sequence) + ".log" }

    /// The sequence numbers of the segments in `wal/`, ascending.
    func segmentSequences() throws -> [UInt64] {
        guard fileSystem.exists(wal) else { return [] }
        return try fileSystem.list(wal).compactMap { name -> UInt64? in
            guard name.hasSuffix(".log"), name.count == 24 else { return nil }
            return UInt64(name.dropLast(4))
        }.sorted()
    }

    /// The snapshots in `snap/`, by ascending index.
    func snapshots() throws -> [(index: LogIndex, term: Term)] {
        guard fileSystem.exists(snap) else { return [] }
        return try fileSystem.list(snap).compactMap(SnapshotFile.parse(name:)).sorted { ($0.index, $0.term) < ($1.index, $1.term) }
    }
}
