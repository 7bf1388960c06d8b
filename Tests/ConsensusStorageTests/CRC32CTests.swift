@testable import ConsensusStorage
import Testing

/// CRC-32C (Castagnoli) against published check values: the standard "123456789" and the
/// iSCSI test vectors of RFC 3720, appendix B.4.
@Suite("CRC32C")
struct CRC32CTests {
    @Test("The check value of \"123456789\" is 0xE3069283")
    func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test("RFC 3720 B.4 vectors: 32 zeros, 32 ones, ascending and descending bytes")
    func rfc3720() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test("The empty input checksums to 0; checksumming in pieces equals checksumming at once")
    func continuation() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...bytes.count {
            let first = CRC32C.checksum(bytes[..<split])
            #expect(CRC32C.checksum(bytes[split...], continuing: first) == CRC32C.checksum(bytes))
        }
    }
}
