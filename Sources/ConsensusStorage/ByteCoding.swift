/// Little-endian encoding of the integers and byte strings in WAL records and snapshot files.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A length (u64) followed by the bytes.
    mutating func blob(_ v: [UInt8]) {
        u64(UInt64(v.count))
        bytes.append(contentsOf: v)
    }
}

/// Reads what ``ByteWriter`` wrote; every read is bounds-checked and throws ``Malformed``.
struct ByteReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.endIndex - position >= n else {
            throw Malformed(description: "needs \(n) more bytes, \(bytes.endIndex - position) left")
        }
        defer { position += n }
        return bytes[position..<position + n]
    }

    mutating func u8() throws -> UInt8 { try take(1).first! }

    mutating func u32() throws -> UInt32 {
        try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws -> UInt64 {
        try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func blob() throws -> [UInt8] {
        let n = try u64()
        guard n <= UInt64(Int.max) else { throw Malformed(description: "length \(n) is too large") }
        return Array(try take(Int(n)))
    }
}
