import ConsensusCore
import Testing

@testable import Consensus

/// The binary log form of commands (format 2): what it refuses to write, and that no payload,
/// however damaged, makes a member trap: it is refused as corrupt, with the reason.
@Suite("CommandBinary")
struct CommandBinaryTests {
    static let sample = Command(
        id: ProposalID(node: 0xabc, sequence: 99), time: 1_700_000_000_123,
        operation: .transaction(Transaction(
            conditions: [.valueEquals(key: "a", value: ["x": [1, 2.5, "é", nil, true]]), .revisionEquals(key: "b", revision: 4)],
            success: [.put(key: "a", value: ["nested": ["deeper": .double(-0.0)]]), .compareAndSwap(key: "c", expected: nil, new: .null)],
            failure: [.counterBatch([CounterDelta(name: "n", delta: .min)])])))

    private func payload(_ command: Command) throws -> [UInt8] {
        try CommandCodec.encode(command, compressAbove: nil)
    }

    private func corruptReason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try CommandCodec.decode(bytes)
            return nil
        } catch CommandCodecError.corrupt(let reason) {
            return reason
        } catch {
            return "not reported as corrupt: \(error)"
        }
    }

    @Test func oneCommandHasOneEncodingWhateverTheObjectsOrder() throws {
        var a: [String: ConsensusValue] = [:]
        var b: [String: ConsensusValue] = [:]
        for i in 0..<50 { a["k\(i)"] = .int(Int64(i)) }
        for i in (0..<50).reversed() { b["k\(i)"] = .int(Int64(i)) }
        let first = try payload(Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: .object(a))))
        let second = try payload(Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: .object(b))))
        #expect(first == second)
    }

    @Test func doublesKeepTheirBitsAndTheStoreCanonicalisesThem() throws {
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: [.double(2.0), .double(-0.0), 1e300]))
        #expect(try CommandCodec.decode(payload(command)) == command)
    }

    @Test func nonFiniteDoublesAreRefusedWhenWritten() {
        for bad in [Double.nan, .infinity, -.infinity] {
            let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: ["x": [.double(bad)]]))
            #expect(throws: (any Error).self) { try payload(command) }
        }
    }

    @Test func nestingPastTheLimitIsRefusedWhenWrittenAndWhenRead() throws {
        func nested(_ depth: Int) -> ConsensusValue {
            (0..<depth).reduce(ConsensusValue.int(1)) { inner, _ in .array([inner]) }
        }
        let fits = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: nested(CommandBinary.nestingMax - 3)))
        #expect(try CommandCodec.decode(payload(fits)) == fits)
        let deep = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: nested(CommandBinary.nestingMax + 10)))
        #expect(throws: (any Error).self) { try payload(deep) }

        // A hostile peer's payload: a million nested array headers. Refused, not a stack overflow.
        var w = LittleEndian.Writer(bytes: [CommandCodec.Format.binary.rawValue])
        w.u64(1); w.u64(1); w.u64(0)
        w.u8(CommandBinary.OperationTag.put.rawValue)
        w.u32(1); w.u8(UInt8(ascii: "k"))
        for _ in 0..<1_000_000 {
            w.u8(CommandBinary.ValueTag.array.rawValue)
            w.u32(1)
        }
        #expect(corruptReason(w.bytes)?.contains("nested over") == true)
    }

    @Test func everyTruncationIsCorruptNeverATrap() throws {
        let bytes = try payload(Self.sample)
        #expect(try CommandCodec.decode(bytes) == Self.sample)
        for length in 1..<bytes.count {
            #expect(corruptReason(Array(bytes.prefix(length))) != nil, "a payload cut to \(length) bytes decoded")
        }
        #expect(corruptReason(bytes + [0])?.contains("after the command") == true)
    }

    @Test func damagedPayloadsAreCorruptOrDecodeNeverTrap() throws {
        // Seeded: every run flips the same bytes. Any outcome but a trap is acceptable here;
        // the WAL's and the frames' checksums are what catch damage in practice.
        var random = SplitMix64(seed: 15)
        let bytes = try payload(Self.sample)
        var refused = 0
        for _ in 0..<5_000 {
            var damaged = bytes
            for _ in 0...random.next() % 3 {
                damaged[1 + Int(random.next() % UInt64(damaged.count - 1))] = UInt8(truncatingIfNeeded: random.next())
            }
            if corruptReason(damaged) != nil { refused += 1 }
        }
        #expect(refused > 0)
    }

    @Test func specificDamageIsNamed() throws {
        var w = LittleEndian.Writer(bytes: [CommandCodec.Format.binary.rawValue])
        w.u64(1); w.u64(1); w.u64(0)
        let header = w.bytes
        #expect(corruptReason(header + [42])?.contains("unknown operation tag 42") == true)
        // .delete with a key that is not UTF-8
        #expect(corruptReason(header + [2, 2, 0, 0, 0, 0xff, 0xfe])?.contains("not UTF-8") == true)
        // .counterBatch claiming 4 billion deltas in a few bytes: refused before reserving memory
        #expect(corruptReason(header + [9, 0xff, 0xff, 0xff, 0xff, 0])?.contains("a count of") == true)
        // .put of an object claiming 10 members in 20 bytes (a member takes at least 5)
        #expect(corruptReason(header + [1, 1, 0, 0, 0, 0x6b, 7, 10, 0, 0, 0] + Array(repeating: 0, count: 20))?.contains("a count of 10") == true)
        // .put of an object repeating its key
        let repeated: [UInt8] = [1, 1, 0, 0, 0, 0x6b, 7, 2, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 1, 0, 0, 0, 0x61, 0]
        #expect(corruptReason(header + repeated)?.contains("repeated key") == true)
        // an optional value marker that is neither absent nor present
        #expect(corruptReason(header + [3, 1, 0, 0, 0, 0x6b, 7])?.contains("optional value marker 7") == true)
        // a double that is not finite, written by something other than this encoder
        var nan = LittleEndian.Writer(bytes: header + [1, 1, 0, 0, 0, 0x6b, 4])
        nan.u64(Double.nan.bitPattern)
        #expect(corruptReason(nan.bytes)?.contains("non-finite") == true)
    }
}
