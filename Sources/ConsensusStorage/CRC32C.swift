/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every WAL record and
/// snapshot file. Table-driven, one byte at a time: simple and fast enough next to an fsync.
///
/// `CRC32C.checksum(Array("123456789".utf8)) == 0xE3069283` (the standard check value).
public enum CRC32C {
    /// The 256-entry lookup table for the reflected Castagnoli polynomial.
    static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The checksum of `bytes`, continuing from `crc` (the checksum of what came before; 0 to
    /// start).
    ///
    /// - Parameters:
    ///   - bytes: the data.
    ///   - crc: a previous result, to checksum data that arrives in pieces.
    /// - Returns: the CRC-32C of everything checksummed so far.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes {
                c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
            }
        }
        return ~c
    }
}
