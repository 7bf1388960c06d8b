import ConsensusCore

/// One record of the write-ahead log.
///
/// On disk each record is framed as `[length u32][crc32c u32][type u8][payload]`, little-endian,
/// where `length` counts the payload bytes and the CRC-32C covers the type byte and the payload.
/// Integers in payloads are little-endian u64 unless noted.
enum WALRecord: Equatable {
    /// The first record of every segment: its sequence number, and the last log index, the
    /// snapshot and the hard state when it was created, so that deleting earlier segments never
    /// loses the hard state or the name of the snapshot. Payload: `seq, lastIndex,
    /// snapshotIndex, snapshotTerm, term, vote, commit`.
    case segmentHeader(sequence: UInt64, lastIndex: LogIndex, snapshot: SnapshotID, hardState: HardState)
    /// A log entry. It replaces any entry with the same or a higher index (§5.3).
    /// Payload: `term, index, kind u8, dataLength, data`.
    case entry(Entry)
    /// The node's hard state from here on. Payload: `term, vote (0 = none), commit`.
    case hardState(HardState)
    /// A snapshot file was written and is now the base of the log. When `replacesLog` (a
    /// snapshot from the leader) every entry before this record is dropped; otherwise (a local
    /// compaction) only those up to `index`. Payload: `index, term, replacesLog u8`.
    case snapshot(index: LogIndex, term: Term, replacesLog: Bool)

    /// The type byte of each kind of record.
    enum Kind: UInt8 {
        case segmentHeader = 1, entry = 2, hardState = 3, snapshot = 4
    }

    /// Bytes of framing before the payload: length, CRC and type.
    static let headerBytes = 9
    /// The largest payload a record may claim; anything larger is corruption, not a big entry.
    static let payloadBytesMax = 1 << 30

    var kind: Kind {
        switch self {
        case .segmentHeader: .segmentHeader
        case .entry: .entry
        case .hardState: .hardState
        case .snapshot: .snapshot
        }
    }

    /// The record, framed, appended to `out`. The payload is written in place after a
    /// placeholder frame, which is filled in once the payload's length and CRC are known (the
    /// type byte and the payload are contiguous, so one pass checksums both).
    func encode(into out: inout [UInt8]) {
        let start = out.count
        var p = LittleEndian.Writer()
        swap(&p.bytes, &out)
        p.u32(0)
        p.u32(0)
        p.u8(kind.rawValue)
        switch self {
        case let .segmentHeader(sequence, lastIndex, snapshot, hs):
            p.u64(sequence)
            p.u64(lastIndex)
            p.u64(snapshot.index)
            p.u64(snapshot.term)
            p.hardState(hs)
        case let .entry(e):
            p.u64(e.term)
            p.u64(e.index)
            p.u8(e.kind.rawValue)
            p.blob(e.data)
        case let .hardState(hs):
            p.hardState(hs)
        case let .snapshot(index, term, replacesLog):
            p.u64(index)
            p.u64(term)
            p.u8(replacesLog ? 1 : 0)
        }
        swap(&p.bytes, &out)
        let payloadCount = out.count - start - Self.headerBytes
        precondition(payloadCount <= Self.payloadBytesMax, "a WAL record of \(payloadCount) bytes exceeds payloadBytesMax")
        out.withUnsafeMutableBytes { buffer in
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[(start + 8)...]))
            buffer.storeBytes(of: UInt32(payloadCount).littleEndian, toByteOffset: start, as: UInt32.self)
            buffer.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    /// Decodes the payload of a record whose CRC already checked out.
    static func decode(kind rawKind: UInt8, payload: ArraySlice<UInt8>) throws -> WALRecord {
        var r = LittleEndian.Reader(payload)
        let record: WALRecord
        switch Kind(rawValue: rawKind) {
        case .segmentHeader?:
            let sequence = try r.u64(), lastIndex = try r.u64()
            let snapshot = SnapshotID(index: try r.u64(), term: try r.u64())
            record = .segmentHeader(sequence: sequence, lastIndex: lastIndex, snapshot: snapshot, hardState: try r.hardState())
        case .entry?:
            let term = try r.u64(), index = try r.u64()
            guard let kind = EntryKind(rawValue: try r.u8()) else {
                throw LittleEndian.Malformed(description: "unknown entry kind")
            }
            record = .entry(Entry(term: term, index: index, kind: kind, data: try r.blob()))
        case .hardState?:
            record = .hardState(try r.hardState())
        case .snapshot?:
            let index = try r.u64(), term = try r.u64()
            record = .snapshot(index: index, term: term, replacesLog: try r.u8() != 0)
        case nil:
            throw LittleEndian.Malformed(description: "unknown record type \(rawKind)")
        }
        guard r.isAtEnd else { throw LittleEndian.Malformed(description: "trailing bytes after the payload") }
        return record
    }
}

/// Which snapshot: its last index and that entry's term (index 0 is "no snapshot yet").
struct SnapshotID: Hashable {
    var index: LogIndex
    var term: Term
}

extension LittleEndian.Writer {
    mutating func hardState(_ hs: HardState) {
        u64(hs.term)
        u64(hs.vote ?? 0)
        u64(hs.commit)
    }
}

extension LittleEndian.Reader {
    mutating func hardState() throws -> HardState {
        let term = try u64(), vote = try u64(), commit = try u64()
        return HardState(term: term, vote: vote == 0 ? nil : vote, commit: commit)
    }
}
