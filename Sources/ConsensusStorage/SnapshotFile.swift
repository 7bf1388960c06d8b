import ConsensusCore

/// A snapshot on disk: `snap/<index>-<term>.snap`, both numbers zero-padded to 20 digits.
///
/// Layout: `"CSNP"`, `crc32c u32` of everything after it, then `index, term, voter count u32,
/// voters, learner count u32, learners, data length, data` (little-endian u64 unless noted).
/// Written atomically (temporary file, fsync, rename, fsync of the directory).
enum SnapshotFile {
    static let magic: [UInt8] = Array("CSNP".utf8)

    static func name(index: LogIndex, term: Term) -> String {
        "\(padded(index))-\(padded(term)).snap"
    }

    /// The index and term in a snapshot file's name, or nil for any other file.
    static func parse(name: String) -> (index: LogIndex, term: Term)? {
        guard name.hasSuffix(".snap") else { return nil }
        let parts = name.dropLast(5).split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 20 }),
              let index = UInt64(parts[0]), let term = UInt64(parts[1]) else { return nil }
        return (index, term)
    }

    static func encode(_ s: Snapshot) -> [UInt8] {
        var body = LittleEndian.Writer()
        body.u64(s.metadata.index)
        body.u64(s.metadata.term)
        for ids in [s.metadata.configuration.voters.sorted(), s.metadata.configuration.learners.sorted()] {
            body.u32(UInt32(ids.count))
            for id in ids { body.u64(id) }
        }
        body.blob(s.data)
        var out = LittleEndian.Writer()
        out.bytes = magic
        out.u32(CRC32C.checksum(body.bytes))
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// Decodes a snapshot file; `path` names it in errors.
    static func decode(_ bytes: [UInt8], path: String) throws -> Snapshot {
        guard bytes.count >= 8, Array(bytes[0..<4]) == magic else {
            throw StorageError.corruption(file: path, offset: 0, reason: "not a snapshot file (bad magic or too short)")
        }
        var header = LittleEndian.Reader(bytes[4..<8])
        let stored = try header.u32()
        let computed = CRC32C.checksum(bytes[8...])
        guard stored == computed else {
            throw StorageError.corruption(
                file: path, offset: 4,
                reason: "snapshot checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        do {
            var r = LittleEndian.Reader(bytes[8...])
            let index = try r.u64(), term = try r.u64()
            var sets: [Set<NodeID>] = []
            for _ in 0..<2 {
                let n = try r.u32()
                guard n <= 1 << 20 else { throw LittleEndian.Malformed(description: "\(n) members") }
                sets.append(Set(try (0..<n).map { _ in try r.u64() }))
            }
            guard sets[0].isDisjoint(with: sets[1]), !sets[0].contains(0), !sets[1].contains(0) else {
                throw LittleEndian.Malformed(description: "invalid membership")
            }
            let data = try r.blob()
            guard r.isAtEnd else { throw LittleEndian.Malformed(description: "trailing bytes") }
            let config = Configuration(voters: sets[0], learners: sets[1])
            return Snapshot(metadata: SnapshotMetadata(index: index, term: term, configuration: config), data: data)
        } catch let error as LittleEndian.Malformed {
            throw StorageError.corruption(file: path, offset: 8, reason: "malformed snapshot: \(error)")
        }
    }
}

/// A number zero-padded to 20 digits, so that file names sort in numeric order.
func padded(_ n: UInt64) -> String {
    let digits = String(n)
    return String(repeating: "0", count: 20 - digits.count) + digits
}

func hex(_ n: UInt32) -> String {
    let digits = String(n, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
