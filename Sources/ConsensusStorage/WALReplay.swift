import ConsensusCore

/// Rebuilds a node's persistent state from its data directory: the latest snapshot the WAL
/// names, then every entry and hard state record after it, in order.
///
/// Replay rules:
/// - segments are numbered without gaps, and each starts with its header;
/// - an entry replaces any entry with the same or a higher index; one that would leave a gap
///   after the last entry is corruption;
/// - the last `snapshot` record names the snapshot file to load (its absence is an error);
///   entries at or below its index are covered by it (one that appears still truncates the
///   entries after it, as when it was written), and a snapshot record that `replacesLog` drops
///   every entry before it;
/// - the hard state is the one in the last hard state record or segment header.
struct WALReplay {
    /// What one segment holds, for deciding which segments a snapshot covers.
    struct Segment {
        var sequence: UInt64
        /// The highest log index any record of the segment mentions.
        var indexMax: LogIndex
    }

    var state = PersistentState.empty
    /// Whether anything beyond segment headers was ever written.
    var hasState = false
    var segments: [Segment] = []
    /// The last segment's scan: where its complete records end and whether a torn write follows.
    var lastSegmentValidBytes = 0
    var lastSegmentIsTorn = false

    init(_ layout: FileStorageLayout) throws {
        let sequences = try layout.segmentSequences()
        guard let firstSequence = sequences.first else {
            if let s = try layout.snapshots().last {
                throw StorageError.missingSegment(
                    file: layout.segment(1),
                    reason: "snapshot \(layout.snapshot(index: s.index, term: s.term)) exists but the WAL has no segment at all")
            }
            return
        }
        for (a, b) in zip(sequences, sequences.dropFirst()) where b != a + 1 {
            throw StorageError.missingSegment(
                file: layout.segment(a + 1),
                reason: "segments \(FileStorageLayout.segmentName(a)) and \(FileStorageLayout.segmentName(b)) exist but not the ones between them")
        }

        // Read and check every record.
        var scans: [(path: String, scan: WALSegmentScan)] = []
        for seq in sequences {
            let path = layout.segment(seq)
            guard let bytes = try layout.fileSystem.readFile(path) else {
                throw StorageError.missingSegment(file: path, reason: "it disappeared while the directory was read")
            }
            let scan = try WALSegmentScan(bytes, path: path, isLast: seq == sequences.last)
            if case let (_, .segmentHeader(found, _, _, _))? = scan.records.first {
                guard found == seq else {
                    throw StorageError.corruption(file: path, offset: 0, reason: "the segment header says it is segment \(found)")
                }
            } else if !(seq == sequences.last && scan.records.isEmpty) {
                // Only the last segment may lack its header, when its creation was torn.
                throw StorageError.corruption(file: path, offset: 0, reason: "the segment does not start with a segment header")
            }
            segments.append(Segment(sequence: seq, indexMax: scan.records.reduce(0) { max($0, $1.record.indexMentioned) }))
            scans.append((path, scan))
        }
        lastSegmentValidBytes = scans.last!.scan.validBytes
        lastSegmentIsTorn = scans.last!.scan.isTorn

        // The snapshot the log starts from: the one the last snapshot record names.
        var base: SnapshotID?
        for (_, scan) in scans {
            for (_, r) in scan.records {
                switch r {
                case let .snapshot(index, term, _): base = SnapshotID(index: index, term: term)
                case let .segmentHeader(_, _, snapshot, _) where snapshot != SnapshotID(index: 0, term: 0): base = snapshot
                default: break
                }
            }
        }
        if let base {
            let path = layout.snapshot(index: base.index, term: base.term)
            guard let bytes = try layout.fileSystem.readFile(path) else { throw StorageError.missingSnapshot(file: path) }
            state.snapshot = try SnapshotFile.decode(bytes, path: path)
            guard state.snapshot.metadata.index == base.index, state.snapshot.metadata.term == base.term else {
                throw StorageError.corruption(file: path, offset: 8, reason: "the snapshot inside does not match its file name")
            }
        }
        let baseIndex = base?.index ?? 0

        // Earlier segments may have been deleted only if the snapshot covers them.
        if case let (_, .segmentHeader(_, lastIndex, _, _))? = scans.first?.scan.records.first,
           firstSequence > 1, lastIndex > baseIndex {
            throw StorageError.missingSegment(
                file: layout.segment(firstSequence - 1),
                reason: "the first segment on disk, \(FileStorageLayout.segmentName(firstSequence)), continues a log that ended at index \(lastIndex), but the snapshot covers only up to index \(baseIndex)")
        }

        // Replay.
        for (path, scan) in scans {
            for (offset, record) in scan.records {
                switch record {
                case let .segmentHeader(_, _, _, hs):
                    state.hardState = hs
                case let .hardState(hs):
                    state.hardState = hs
                    hasState = true
                case let .snapshot(_, _, replacesLog):
                    if replacesLog { state.entries = [] }
                    hasState = true
                case let .entry(e):
                    hasState = true
                    if e.index <= baseIndex {
                        // The snapshot covers it; but it was written over a longer log, whose
                        // entries after it were truncated then (§5.3), so they go now too.
                        state.entries = []
                        continue
                    }
                    let last = state.entries.last?.index ?? baseIndex
                    guard e.index <= last + 1 else {
                        throw StorageError.corruption(
                            file: path, offset: offset,
                            reason: "entry \(e.index) follows entry \(last): the log has a gap")
                    }
                    if let first = state.entries.first?.index, e.index <= last {
                        state.entries.removeSubrange(Int(e.index - first)...)
                    }
                    state.entries.append(e)
                }
            }
        }
        let lastIndex = state.entries.last?.index ?? baseIndex
        if state.hardState.commit > lastIndex {
            throw StorageError.missingSegment(
                file: layout.segment(sequences.last! + 1),
                reason: "the hard state's commit index \(state.hardState.commit) is beyond the last entry on disk, \(lastIndex): entries that were persisted are missing")
        }
    }
}

extension WALRecord {
    /// The highest log index the record mentions (0 for none).
    var indexMentioned: LogIndex {
        switch self {
        case let .segmentHeader(_, lastIndex, _, _): lastIndex
        case let .entry(e): e.index
        case .hardState: 0
        case let .snapshot(index, _, _): index
        }
    }
}
