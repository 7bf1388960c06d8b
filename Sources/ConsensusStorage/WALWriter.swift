import ConsensusCore
import Glibc

/// The appending end of the write-ahead log: encodes records into a buffer, moves to a new
/// segment past `segmentBytesMax`, and makes a batch durable with one `fdatasync`.
///
/// It also tracks what it needs to write a segment header (the last log index and the hard
/// state) and what each segment holds (for deleting the ones a snapshot covers).
struct WALWriter {
    let layout: FileStorageLayout
    let segmentBytesMax: Int
    /// Every segment on disk, oldest first; the last one is the active one.
    private(set) var segments: [WALReplay.Segment]
    private var fd: Int32 = -1
    /// Bytes in the active segment, including what is buffered.
    private var size = 0
    private var buffer: [UInt8] = []

    /// The last log index, after what was appended.
    private(set) var lastIndex: LogIndex
    private(set) var hardState: HardState
    /// The snapshot the log starts from, after what was appended.
    private(set) var snapshot: SnapshotID

    /// Continues the log found by `replay`: cuts a torn tail, writes a missing header, or creates
    /// the first segment of a new directory.
    init(layout: FileStorageLayout, segmentBytesMax: Int, replay: WALReplay) throws {
        self.layout = layout
        self.segmentBytesMax = segmentBytesMax
        self.segments = replay.segments
        self.lastIndex = replay.state.entries.last?.index ?? replay.state.snapshot.metadata.index
        self.hardState = replay.state.hardState
        let base = replay.state.snapshot.metadata
        self.snapshot = SnapshotID(index: base.index, term: base.term)
        guard let last = segments.last else {
            try startSegment(1)
            return
        }
        let path = layout.segment(last.sequence)
        if replay.lastSegmentIsTorn {
            // Its persist never returned, so nobody was told it was durable.
            try layout.fileSystem.truncate(path, to: replay.lastSegmentValidBytes)
        }
        fd = try layout.fileSystem.open(path, O_WRONLY | O_APPEND)
        size = replay.lastSegmentValidBytes
        if size == 0 {
            // The segment's creation was torn before its header was synced.
            WALRecord.segmentHeader(sequence: last.sequence, lastIndex: lastIndex, snapshot: snapshot, hardState: hardState).encode(into: &buffer)
            try sync()
        }
    }

    /// Closes the active segment. What was not synced is not durable.
    mutating func close() {
        if fd >= 0 { layout.fileSystem.close(fd) }
        fd = -1
    }

    /// Buffers a record, first moving to a new segment when this one would grow past
    /// `segmentBytesMax` (a segment always holds at least one record after its header).
    /// - Parameter mayRollOver: false to stay in this segment whatever its size (moving syncs
    ///   the segment; a caller that must not block passes false, the next append moves).
    mutating func append(_ record: WALRecord, mayRollOver: Bool = true) throws {
        // Encoded straight into the buffer; moved out again if it must open a new segment.
        let start = buffer.count
        record.encode(into: &buffer)
        let count = buffer.count - start
        if mayRollOver && size + count > segmentBytesMax && size > Self.headerBytes {
            let bytes = Array(buffer[start...])
            buffer.removeSubrange(start...)
            try rollOver()
            buffer.append(contentsOf: bytes)
        }
        size += count
        segments[segments.count - 1].indexMax = max(segments[segments.count - 1].indexMax, record.indexMentioned)
        switch record {
        case .entry(let e): lastIndex = e.index
        case .hardState(let hs): hardState = hs
        case let .snapshot(index, term, replacesLog):
            snapshot = SnapshotID(index: index, term: term)
            if replacesLog { lastIndex = index }
        case .segmentHeader: break
        }
    }

    /// Writes the buffer and waits for `fdatasync`: after this returns, everything appended is
    /// durable.
    mutating func sync() throws {
        let path = layout.segment(segments.last!.sequence)
        if !buffer.isEmpty {
            try layout.fileSystem.writeAll(fd, buffer, path: path)
            buffer.removeAll(keepingCapacity: true)
        }
        try layout.fileSystem.sync(fd, path: path)
    }

    /// Deletes the segments, never the active one, whose records all lie at or below `index` (a
    /// snapshot covers them).
    mutating func deleteSegments(coveredBy index: LogIndex) throws {
        var count = 0
        while count < segments.count - 1 && segments[count].indexMax <= index { count += 1 }
        // Oldest first: a crash part-way leaves the segments that remain contiguous (a suffix),
        // which replay accepts because the snapshot covers what came before them. Newest first
        // would leave a gap, and the node would refuse to start.
        for segment in segments[0..<count] {
            try layout.fileSystem.remove(layout.segment(segment.sequence))
            try layout.fileSystem.syncDirectory(layout.wal)
        }
        segments.removeFirst(count)
    }

    // MARK: - Segments

    /// The size of a segment header record, so that a fresh segment counts as empty.
    private static let headerBytes: Int = {
        var bytes: [UInt8] = []
        WALRecord.segmentHeader(sequence: 0, lastIndex: 0, snapshot: SnapshotID(index: 0, term: 0), hardState: HardState()).encode(into: &bytes)
        return bytes.count
    }()

    /// Makes the active segment durable and starts the next one.
    private mutating func rollOver() throws {
        try sync()
        close()
        try startSegment(segments.last!.sequence + 1)
    }

    /// Creates segment `sequence` with its header, durably (the file and its directory entry).
    private mutating func startSegment(_ sequence: UInt64) throws {
        let path = layout.segment(sequence)
        fd = try layout.fileSystem.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND)
        segments.append(WALReplay.Segment(sequence: sequence, indexMax: lastIndex))
        var header: [UInt8] = []
        WALRecord.segmentHeader(sequence: sequence, lastIndex: lastIndex, snapshot: snapshot, hardState: hardState).encode(into: &header)
        buffer = header
        size = header.count
        try sync()
        try layout.fileSystem.syncDirectory(layout.wal)
    }
}
