/// The project's one byte coder: fixed-width integers least significant byte first, and byte
/// strings prefixed by their length. Membership entries (``ConfigChangeEntry``), WAL records and
/// snapshot files are all written with ``Writer`` and read back with ``Reader``.
///
/// ```swift
/// var w = LittleEndian.Writer()
/// w.u8(1)
/// w.u64(0x0102)            // 02 01 00 00 00 00 00 00
/// w.blob([0xAA])           // 01 00 00 00 00 00 00 00 AA
/// var r = LittleEndian.Reader(w.bytes)
/// let tag = try r.u8(), id = try r.u64(), data = try r.blob()
/// ```
///
/// Reading never traps: a read past the end throws ``Malformed`` and leaves the reader where it was.
public enum LittleEndian {
    /// Why bytes could not be read: too few of them, or a value a format does not allow.
    public struct Malformed: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Appends integers and byte strings to ``bytes``.
    public struct Writer: Sendable {
        /// Everything written so far (callers may also append to it directly).
        public var bytes: [UInt8]

        /// A writer that appends after `bytes`.
        public init(bytes: [UInt8] = []) {
            self.bytes = bytes
        }

        public mutating func u8(_ value: UInt8) { bytes.append(value) }

        public mutating func u32(_ value: UInt32) { integer(value) }

        public mutating func u64(_ value: UInt64) { integer(value) }

        /// The length as a ``u64(_:)``, then the bytes.
        public mutating func blob(_ value: [UInt8]) {
            u64(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        private mutating func integer(_ value: some FixedWidthInteger & UnsignedInteger) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Reads what a ``Writer`` wrote, from the front. Every read is bounds-checked: past the end
    /// it throws ``Malformed`` and leaves ``position`` unchanged.
    public struct Reader: Sendable {
        /// The bytes being read (indexes are the slice's own).
        public let bytes: ArraySlice<UInt8>
        /// The index of the next byte to read.
        public private(set) var position: Int

        public init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
        }

        public init(_ bytes: [UInt8]) {
            self.init(bytes[...])
        }

        /// How many bytes are left.
        public var remaining: Int { bytes.endIndex - position }

        /// Whether every byte was read (formats use it to refuse trailing bytes).
        public var isAtEnd: Bool { position == bytes.endIndex }

        /// The next `count` bytes.
        public mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard count >= 0, remaining >= count else {
                throw Malformed(description: "needs \(count) more bytes, \(remaining) left")
            }
            defer { position += count }
            return bytes[position..<position + count]
        }

        public mutating func u8() throws(Malformed) -> UInt8 { try take(1).first! }

        public mutating func u32() throws(Malformed) -> UInt32 { try integer() }

        public mutating func u64() throws(Malformed) -> UInt64 { try integer() }

        /// A byte string written by ``Writer/blob(_:)``. A length beyond the bytes left throws,
        /// and reads nothing.
        public mutating func blob() throws(Malformed) -> [UInt8] {
            let start = position
            let count = try u64()
            guard count <= UInt64(remaining) else {
                let left = remaining
                position = start
                throw Malformed(description: "a byte string of \(count) bytes, \(left) left")
            }
            return Array(try take(Int(count)))
        }

        private mutating func integer<T: FixedWidthInteger & UnsignedInteger>() throws(Malformed) -> T {
            try take(T.bitWidth / 8).reversed().reduce(T.zero) { $0 << 8 | T($1) }
        }
    }
}
