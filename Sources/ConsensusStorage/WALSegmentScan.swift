import ConsensusCore

/// The records of one WAL segment file, read and checked.
///
/// A record that does not fit in what is left of the file (or an all-zero tail) is a torn
/// write: in the last segment it is dropped, because its `persist` never returned; anywhere else
/// it is corruption. A checksum that does not match, an unknown type or a malformed payload is
/// always corruption: a complete record was written and synced, and may hold committed entries.
struct WALSegmentScan {
    /// The records, each with its byte offset in the file.
    var records: [(offset: Int, record: WALRecord)] = []
    /// The end of the last complete record: where the file is cut when its tail is torn.
    var validBytes = 0
    /// Whether the bytes after `validBytes` are a torn write.
    var isTorn = false

    /// Scans `bytes`, the content of `path`.
    /// - Parameters:
    ///   - isLast: whether this is the last segment, the only place a torn write may be.
    init(_ bytes: [UInt8], path: String, isLast: Bool) throws {
        var pos = 0
        /// - Parameter damagedLength: for a record that runs past the end of the file, the
        ///   message when its checksum matches a shorter payload (see below), or nil.
        func torn(_ reason: String, damagedLength: (() -> String?)? = nil) throws {
            guard isLast else {
                throw StorageError.corruption(
                    file: path, offset: pos,
                    reason: "\(reason) in a segment that is not the last one (a torn write can only be at the end of the last segment)")
            }
            // A torn write is the end of the file; a damaged length field in the middle is not.
            if let next = Self.firstValidRecord(in: bytes, after: pos) {
                throw StorageError.corruption(
                    file: path, offset: pos,
                    reason: "\(reason), but a valid record follows at byte \(next): the record's length is damaged, this is not a torn write")
            }
            // The length is not covered by the checksum: a bit flip there can make the last
            // complete record look torn. If the checksum matches a shorter payload, the record was
            // whole (and acknowledged) and its length is damaged.
            if let message = damagedLength?() {
                throw StorageError.corruption(file: path, offset: pos, reason: message)
            }
            isTorn = true
        }
        while pos < bytes.count {
            let left = bytes.count - pos
            if isLast && bytes[pos...].allSatisfy({ $0 == 0 }) {
                try torn("zero bytes")
                break
            }
            if left < WALRecord.headerBytes {
                try torn("an incomplete record header (\(left) bytes)")
                break
            }
            var header = LittleEndian.Reader(bytes[pos..<pos + WALRecord.headerBytes])
            let length = Int(try header.u32()), stored = try header.u32(), kind = try header.u8()
            guard length <= WALRecord.payloadBytesMax else {
                throw StorageError.corruption(file: path, offset: pos, reason: "record length \(length) exceeds the maximum \(WALRecord.payloadBytesMax)")
            }
            let end = pos + WALRecord.headerBytes + length
            if end > bytes.count {
                try torn("a record of \(length) payload bytes with only \(left - WALRecord.headerBytes) left in the file") {
                    Self.checksumMatchEnd(in: bytes, payloadStart: pos + WALRecord.headerBytes, kind: kind, stored: stored).map {
                        "record length \(length) runs past the end of the file, but the checksum matches the \($0 - pos - WALRecord.headerBytes) payload bytes there: the length is damaged, this is not a torn write"
                    }
                }
                break
            }
            let payload = bytes[pos + WALRecord.headerBytes..<end]
            let computed = CRC32C.checksum(payload, continuing: CRC32C.checksum(CollectionOfOne(kind)))
            guard computed == stored else {
                throw StorageError.corruption(
                    file: path, offset: pos,
                    reason: "record checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
            }
            do {
                records.append((pos, try WALRecord.decode(kind: kind, payload: payload)))
            } catch {
                throw StorageError.corruption(file: path, offset: pos, reason: "malformed record: \(error)")
            }
            pos = end
            validBytes = pos
        }
    }

    /// The first end offset `e` (from `payloadStart` to the end of `bytes`) for which the checksum
    /// of `kind` and `bytes[payloadStart..<e]` is `stored`, or nil.
    static func checksumMatchEnd(in bytes: [UInt8], payloadStart: Int, kind: UInt8, stored: UInt32) -> Int? {
        var crc = CRC32C.checksum(CollectionOfOne(kind))
        var e = payloadStart
        while true {
            if crc == stored { return e }
            if e == bytes.count { return nil }
            crc = CRC32C.checksum(CollectionOfOne(bytes[e]), continuing: crc)
            e += 1
        }
    }

    /// The offset of the first complete record with a good checksum that starts after `offset`.
    static func firstValidRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        var p = offset + 1
        while p + WALRecord.headerBytes <= bytes.count {
            defer { p += 1 }
            var header = LittleEndian.Reader(bytes[p..<p + WALRecord.headerBytes])
            guard let length = try? Int(header.u32()), let stored = try? header.u32(), let kind = try? header.u8(),
                  WALRecord.Kind(rawValue: kind) != nil, p + WALRecord.headerBytes + length <= bytes.count else { continue }
            let payload = bytes[p + WALRecord.headerBytes..<p + WALRecord.headerBytes + length]
            if CRC32C.checksum(payload, continuing: CRC32C.checksum(CollectionOfOne(kind))) == stored { return p }
        }
        return nil
    }
}
