import ConsensusCore
import Synchronization

/// A durable ``Storage`` in a data directory: a write-ahead log in segment files, snapshot files,
/// a format version and a lock.
///
/// ```swift
/// let storage = try FileStorage(directory: "/var/lib/consensus/node-1")
/// let node = ConsensusTrait(nodeID: "node-1", storage: storage)
/// ```
///
/// - Every ``persist(hardState:entries:snapshot:)`` appends its records (entries, then the hard
///   state) to the active segment and returns only after one `fdatasync` (group commit). A
///   snapshot in it is first written to its own file, atomically. A hard state whose commit
///   index alone moved (`mustSync` false) is buffered and rides on the next `fdatasync`.
/// - The hard state (term, vote, commit) is a WAL record too, so that it rides on the same
///   `fdatasync` as the entries: a separate atomic file (temporary file, fsync, rename, fsync of
///   the directory) would cost three more syncs per batch. Each segment starts with a header
///   holding the hard state and the current snapshot, so deleting older segments loses neither.
///   Snapshot files and `FORMAT` are written atomically in that way.
/// - Each WAL record is framed `[length u32][crc32c u32][type u8][payload]` (see ``WALRecord``).
/// - Opening replays the log: a torn record at the end of the last segment (a write whose
///   `persist` never returned) is cut off; anything else that does not check out throws
///   ``StorageError`` naming the file and offset, and the node refuses to start.
/// - ``saveSnapshot(_:)`` writes the snapshot file, records it in the WAL, then deletes the
///   segments it wholly covers and all but the two latest snapshot files.
///
/// The directory stays locked (`flock` on `LOCK`) until ``close()`` or the process ends.
public final class FileStorage: Storage {
    /// The default size past which the WAL moves to a new segment: 16 MiB.
    ///
    /// Opening reads every live segment whole and checks each record before replaying them, so
    /// a restart briefly holds about the live segments' bytes plus their entries (roughly twice
    /// the bytes again for small entries). A snapshot deletes the segments it covers, which
    /// leaves the active segment and at most the one before it: with 64 MiB segments a member
    /// restarted at 1,062,767 entries peaked at 140 MiB resident for a 40 MB segment, and a full
    /// one would pass 150 MiB. 16 MiB bounds that, at the cost of a new file (and its fsync)
    /// every 16 MiB of log, about every 150,000 small writes.
    public static let segmentBytesMaxDefault = 16 << 20
    /// How many snapshot files are kept: the current one and the one before it.
    public static let snapshotsKept = 2

    /// The data directory.
    public let directory: String

    private struct State {
        var lock: FileSystemLock
        var writer: WALWriter
        var snapshotIndex: LogIndex
        var snapshotTerm: Term
        var hasState: Bool
        /// Set when a write failed: what reached the disk is unknown, so nothing more is written.
        var failure: StorageError?
        var isClosed = false
    }

    private let layout: FileStorageLayout
    private let state: Mutex<State>

    /// Opens (or creates) the data directory and recovers its log.
    ///
    /// - Parameters:
    ///   - directory: the data directory; created when missing.
    ///   - segmentBytesMax: the size past which the WAL moves to a new segment.
    ///   - fileSystem: where the files are: the real disk, or a simulated one in tests.
    /// - Throws: ``StorageError/locked(directory:)`` when another `FileStorage` has it open,
    ///   ``StorageError/unsupportedFormat(found:expected:)``, ``StorageError/corruption(file:offset:reason:)``,
    ///   ``StorageError/missingSegment(file:reason:)``, ``StorageError/missingSnapshot(file:)``.
    public init(directory: String, segmentBytesMax: Int = FileStorage.segmentBytesMaxDefault,
                fileSystem: any FileSystem = RealFileSystem()) throws {
        precondition(segmentBytesMax > 0, "segmentBytesMax must be positive")
        self.directory = directory
        let layout = FileStorageLayout(root: directory, fileSystem: fileSystem)
        self.layout = layout
        try fileSystem.makeDirectory(directory)
        let lock = try fileSystem.lockDirectory(directory)
        do {
            let isNew = !fileSystem.exists(layout.wal) && !fileSystem.exists(layout.snap)
            try StorageFormat.check(directory: directory, isNew: isNew, fileSystem: fileSystem)
            try fileSystem.makeDirectory(layout.wal)
            try fileSystem.makeDirectory(layout.snap)
            if isNew { try fileSystem.syncDirectory(directory) }
            try Self.removeTemporaryFiles(layout)
            let replay = try WALReplay(layout)
            let writer = try WALWriter(layout: layout, segmentBytesMax: segmentBytesMax, replay: replay)
            let snapshot = replay.state.snapshot.metadata
            state = Mutex(State(
                lock: lock, writer: writer, snapshotIndex: snapshot.index, snapshotTerm: snapshot.term,
                hasState: replay.hasState))
        } catch {
            lock.release()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Closes the WAL and releases the directory lock. Everything `persist` returned from is
    /// already durable; later calls throw ``StorageError/closed(directory:)``. Closing twice is fine.
    public func close() {
        state.withLock { s in
            guard !s.isClosed else { return }
            s.isClosed = true
            s.writer.close()
            s.lock.release()
        }
    }

    // MARK: - Storage

    public func hasState() throws -> Bool {
        try state.withLock { s in
            try check(s)
            return s.hasState
        }
    }

    public func load() throws -> PersistentState {
        try state.withLock { s in
            try check(s)
            return try WALReplay(layout).state
        }
    }

    public func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?) throws {
        try persist(hardState: hardState, entries: entries, snapshot: snapshot, mustSync: true)
    }

    /// With `mustSync` false and nothing but a hard state to write, its record is only buffered:
    /// it reaches the file with the next synced write (or never, if the process ends first, which
    /// loses nothing but a commit index the leader will tell again).
    public func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool) throws {
        if hardState == nil && entries.isEmpty && snapshot == nil { return }
        if !mustSync, let hardState, entries.isEmpty, snapshot == nil {
            return try state.withLock { s in
                try check(s)
                do {
                    // Never rolls over to a new segment (that syncs): the next synced write does.
                    try s.writer.append(.hardState(hardState), mayRollOver: false)
                } catch let error as StorageError {
                    s.failure = error
                    throw error
                }
            }
        }
        try state.withLock { s in
            try check(s)
            do {
                if let snapshot {
                    precondition(snapshot.metadata.index >= s.snapshotIndex, "a snapshot at \(snapshot.metadata.index) is older than the stored one at \(s.snapshotIndex)")
                    try writeSnapshotFile(snapshot)
                    try s.writer.append(.snapshot(index: snapshot.metadata.index, term: snapshot.metadata.term, replacesLog: true))
                    s.snapshotIndex = snapshot.metadata.index
                    s.snapshotTerm = snapshot.metadata.term
                }
                if let first = entries.first {
                    precondition(first.index > s.snapshotIndex && first.index <= s.writer.lastIndex + 1,
                                 "persisting \(first.index) leaves a gap after \(s.writer.lastIndex) (snapshot at \(s.snapshotIndex))")
                    for e in entries { try s.writer.append(.entry(e)) }
                }
                if let hardState { try s.writer.append(.hardState(hardState)) }
                try s.writer.sync()
                s.hasState = true
                if snapshot != nil { try compact(&s) }
            } catch let error as StorageError {
                s.failure = error
                throw error
            }
        }
    }

    /// A commit-only hard state is appended to the WAL's buffer and nothing else: the runtime may
    /// write it in place.
    public var buffersUnsyncedHardState: Bool { true }

    public func saveSnapshot(_ snapshot: Snapshot) throws {
        try state.withLock { s in
            try check(s)
            guard snapshot.metadata.index > s.snapshotIndex else { return }
            precondition(snapshot.metadata.index <= s.writer.lastIndex, "a snapshot at \(snapshot.metadata.index) is past the last entry \(s.writer.lastIndex)")
            do {
                try writeSnapshotFile(snapshot)
                try s.writer.append(.snapshot(index: snapshot.metadata.index, term: snapshot.metadata.term, replacesLog: false))
                try s.writer.sync()
                s.snapshotIndex = snapshot.metadata.index
                s.snapshotTerm = snapshot.metadata.term
                s.hasState = true
                try compact(&s)
            } catch let error as StorageError {
                s.failure = error
                throw error
            }
        }
    }

    // MARK: - Internals

    private func check(_ s: borrowing State) throws {
        if s.isClosed { throw StorageError.closed(directory: directory) }
        if let failure = s.failure { throw failure }
    }

    private func writeSnapshotFile(_ snapshot: Snapshot) throws {
        let path = layout.snapshot(index: snapshot.metadata.index, term: snapshot.metadata.term)
        try layout.fileSystem.writeAtomically(SnapshotFile.encode(snapshot), to: path, directory: layout.snap)
    }

    /// After a snapshot record is durable: deletes the segments it covers and all but the
    /// latest snapshot files.
    private func compact(_ s: inout State) throws {
        try s.writer.deleteSegments(coveredBy: s.snapshotIndex)
        let current = (index: s.snapshotIndex, term: s.snapshotTerm)
        let others = try layout.snapshots().filter { $0 != current }
        let keep = others.filter { $0.index <= current.index }.suffix(Self.snapshotsKept - 1)
        for old in others where !keep.contains(where: { $0 == old }) {
            try layout.fileSystem.remove(layout.snapshot(index: old.index, term: old.term))
        }
        try layout.fileSystem.syncDirectory(layout.snap)
    }

    private static func removeTemporaryFiles(_ layout: FileStorageLayout) throws {
        for dir in [layout.root, layout.wal, layout.snap] {
            for name in try layout.fileSystem.list(dir) where name.hasSuffix(".tmp") {
                try layout.fileSystem.remove(dir + "/" + name)
            }
        }
    }
}
