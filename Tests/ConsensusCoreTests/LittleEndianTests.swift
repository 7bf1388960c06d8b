import ConsensusCore
import Testing

@Suite("LittleEndian: the one byte coder of membership entries, WAL records and snapshot files")
struct LittleEndianTests {
    @Test("integers are written least significant byte first; a byte string is its length (u64) then its bytes")
    func layout() {
        var w = LittleEndian.Writer()
        w.u8(0xAB)
        w.u32(0x0102_0304)
        w.u64(0x0102_0304_0506_0708)
        w.blob([0xEE, 0xFF])
        #expect(w.bytes == [0xAB,
                            0x04, 0x03, 0x02, 0x01,
                            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                            0x02, 0, 0, 0, 0, 0, 0, 0, 0xEE, 0xFF])
    }

    @Test("what the writer wrote reads back, extremes included, and the reader ends at the end",
          arguments: [UInt64.zero, 1, 0xFF, 0x1_0000_0000, UInt64.max])
    func roundTrip(value: UInt64) throws {
        var w = LittleEndian.Writer(bytes: [9])
        w.u32(UInt32(truncatingIfNeeded: value))
        w.u64(value)
        w.blob(Array(repeating: 7, count: Int(value % 5)))
        var r = LittleEndian.Reader(w.bytes)
        #expect(try r.u8() == 9)
        #expect(try r.u32() == UInt32(truncatingIfNeeded: value))
        #expect(try r.u64() == value)
        #expect(try r.blob() == Array(repeating: 7, count: Int(value % 5)))
        #expect(r.isAtEnd && r.remaining == 0)
    }

    @Test("a slice is read with its own indexes (a reader over the middle of a buffer)")
    func slice() throws {
        var w = LittleEndian.Writer(bytes: [1, 2, 3])
        w.u64(42)
        var r = LittleEndian.Reader(w.bytes[3...])
        #expect(r.position == 3)
        #expect(try r.u64() == 42)
        #expect(r.isAtEnd)
    }

    @Test("a read past the end throws Malformed and leaves the position where it was (no trap)")
    func truncated() throws {
        var r = LittleEndian.Reader([1, 2, 3])
        #expect(throws: LittleEndian.Malformed.self) { try r.u32() }
        #expect(throws: LittleEndian.Malformed.self) { try r.u64() }
        #expect(throws: LittleEndian.Malformed.self) { try r.take(-1) }
        #expect(r.position == 0 && r.remaining == 3)
        #expect(try r.take(3) == [1, 2, 3])
        #expect(throws: LittleEndian.Malformed.self) { try r.u8() }
        var empty = LittleEndian.Reader([UInt8]())
        #expect(throws: LittleEndian.Malformed.self) { try empty.u8() }
    }

    @Test("a byte string longer than what is left (even UInt64.max) throws and reads nothing")
    func blobTooLong() throws {
        for length in [UInt64(3), UInt64(Int.max), UInt64.max] {
            var w = LittleEndian.Writer()
            w.u64(length)
            w.bytes += [1, 2]
            var r = LittleEndian.Reader(w.bytes)
            #expect(throws: LittleEndian.Malformed.self) { try r.blob() }
            #expect(r.position == 0, "a failed blob read leaves the length unread")
        }
    }

    @Test("ConfigChangeEntry decodes through the reader: every truncation and a count beyond the bytes are refused, not trapped")
    func configChangeEntryTruncations() {
        let entry = ConfigChangeEntry(change: .addLearner(4), configuration: Configuration(voters: [1, 2, 3], learners: [4]))
        let bytes = entry.encoded()
        #expect(ConfigChangeEntry(encoded: bytes) == entry)
        for n in 0..<bytes.count {
            #expect(ConfigChangeEntry(encoded: Array(bytes.prefix(n))) == nil, "\(n) of \(bytes.count) bytes")
        }
        #expect(ConfigChangeEntry(encoded: bytes + [0]) == nil, "trailing bytes")
        var huge = LittleEndian.Writer(bytes: ConfigChange.promote(2).encoded())
        huge.u64(UInt64.max)
        #expect(ConfigChangeEntry(encoded: huge.bytes) == nil)
        #expect(ConfigChange(encoded: Array(ConfigChange.remove(7).encoded().prefix(8))) == nil)
        #expect(ConfigChange(encoded: ConfigChange.remove(7).encoded()) == .remove(7))
    }
}
