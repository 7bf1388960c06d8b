/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every WAL record and
/// snapshot file. Table-driven; contiguous input goes eight bytes at a time ("slicing-by-8"),
/// which keeps the checksum small next to an fsync even for batches of hundreds of entries.
///
/// `CRC32C.checksum(Array("123456789".utf8)) == 0xE3069283` (the standard check value).
public enum CRC32C {
    /// Eight 256-entry tables, one after the other. Table 0 is the classic byte-at-a-time table
    /// for the reflected Castagnoli polynomial; table k advances a byte's contribution by k more
    /// zero bytes, so that eight bytes fold in with eight lookups.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            t[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = t[(k - 1) * 256 + byte]
                t[k * 256 + byte] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The checksum of `bytes`, continuing from `crc` (the checksum of what came before; 0 to
    /// start).
    ///
    /// - Parameters:
    ///   - bytes: the data.
    ///   - crc: a previous result, to checksum data that arrives in pieces.
    /// - Returns: the CRC-32C of everything checksummed so far.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), continuing: crc) }) {
            return result
        }
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            for b in bytes {
                c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
            }
        }
        return ~c
    }

    /// The checksum of the bytes in `buffer`, continuing from `crc`.
    public static func checksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = buffer.count
            while n - i >= 8 {
                let lo = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(buffer[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
        }
        return ~c
    }
}
