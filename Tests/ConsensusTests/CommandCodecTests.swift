import Foundation
import Testing

@testable import Consensus

@Suite("CommandCodec")
struct CommandCodecTests {
    static let everyOperation: [StoreOperation] = [
        .put(key: "config", value: ["maxPlayers": 10, "none": nil]),
        .delete(key: "config"),
        .compareAndSwap(key: "k", expected: nil, new: 1),
        .compareAndSwap(key: "k", expected: .null, new: nil),
        .compareAndSwap(key: "k", expected: 1, new: .null),
        .transaction(Transaction(
            conditions: [
                .valueEquals(key: "a", value: nil), .valueEquals(key: "b", value: .null),
                .revisionEquals(key: "c", revision: 3), .exists(key: "d"), .absent(key: "e"),
            ],
            success: [.put(key: "a", value: 1), .counterAdd(name: "n", delta: 2)],
            failure: [.delete(key: "a")])),
        .lockAcquire(name: "leader", holder: "ann", ttlMilliseconds: 5_000),
        .lockRenew(name: "leader", holder: "ann", token: 7, ttlMilliseconds: 5_000),
        .lockRelease(name: "leader", holder: "ann", token: 7),
        .counterAdd(name: "score", delta: -3),
        .counterBatch([CounterDelta(name: "a", delta: 1), CounterDelta(name: "b", delta: .max)]),
    ]

    @Test(arguments: everyOperation)
    func roundTripWithoutCompression(operation: StoreOperation) throws {
        let command = Command(id: ProposalID(node: 0x3f2a, sequence: 17), time: 1_700_000_000_000, operation: operation)
        let bytes = try CommandCodec.encode(command, compressAbove: nil)
        #expect(bytes.first == CommandCodec.Format.binary.rawValue)
        #expect(try CommandCodec.decode(bytes) == command)
    }

    @Test(arguments: everyOperation)
    func roundTripWithCompressionThresholdZero(operation: StoreOperation) throws {
        let command = Command(id: ProposalID(node: .max, sequence: .max), time: .min, operation: operation)
        let bytes = try CommandCodec.encode(command, compressAbove: 0)
        #expect(try CommandCodec.decode(bytes) == command)
    }

    @Test func largeRepetitiveValueIsCompressedAndSmaller() throws {
        let big = ConsensusValue.array(Array(repeating: ["player": "somebody", "score": 100], count: 2_000))
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "scores", value: big))
        let plain = try CommandCodec.encode(command, compressAbove: nil)
        let compressed = try CommandCodec.encode(command, compressAbove: 1024)
        #expect(plain.first == CommandCodec.Format.binary.rawValue)
        #expect(compressed.first == CommandCodec.Format.deflateBinary.rawValue)
        #expect(compressed.count * 10 < plain.count)
        #expect(try CommandCodec.decode(compressed) == command)
    }

    @Test func smallPayloadBelowThresholdStaysPlain() throws {
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: "v"))
        #expect(try CommandCodec.encode(command, compressAbove: 10_000).first == CommandCodec.Format.binary.rawValue)
    }

    @Test func compressedFormIsChosenOnlyWhenItIsSmaller() throws {
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .put(key: "k", value: "v"))
        let plain = try CommandCodec.encode(command, compressAbove: nil)
        let bytes = try CommandCodec.encode(command, compressAbove: 0)
        #expect(bytes.count <= plain.count)
        if bytes.first == CommandCodec.Format.deflateBinary.rawValue { #expect(bytes.count < plain.count) } else { #expect(bytes == plain) }
        #expect(try CommandCodec.decode(bytes) == command)
    }

    @Test func compressRoundTrip() throws {
        let input = Array(String(repeating: "consensus ", count: 1_000).utf8)
        let compressed = try CommandCodec.compress(input)
        #expect(compressed.count < input.count / 10)
        #expect(try CommandCodec.decompress(compressed) == input)
        #expect(try CommandCodec.decompress(CommandCodec.compress([])) == [])
    }

    @Test func decompressBeyondLimitIsRefused() throws {
        let compressed = try CommandCodec.compress(Array(repeating: 0, count: 100_000))
        #expect(throws: CommandCodecError.decompressedTooLarge(limit: 1_000)) {
            try CommandCodec.decompress(compressed, limit: 1_000)
        }
    }

    @Test func unknownFormatByteIsAClearError() throws {
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 0, operation: .delete(key: "k"))
        var bytes = try CommandCodec.encode(command, compressAbove: nil)
        bytes[0] = 9
        #expect(throws: CommandCodecError.unknownFormat(9)) { try CommandCodec.decode(bytes) }
        #expect(CommandCodecError.unknownFormat(9).description.contains("unknown payload format byte 9"))
    }

    @Test func emptyPayloadIsAClearError() {
        #expect(throws: CommandCodecError.empty) { try CommandCodec.decode([]) }
        #expect(throws: CommandCodecError.empty) { try CommandCodec.decodeSnapshot([]) }
    }

    @Test func corruptJSONAndCorruptDeflateAreReportedAsCorrupt() {
        #expect(isCorrupt { try CommandCodec.decode([0] + Array("{not json".utf8)) })
        #expect(isCorrupt { try CommandCodec.decode([1, 0xff, 0xfe, 0x00, 0x13]) })
        #expect(isCorrupt { try CommandCodec.decodeSnapshot([0] + Array("[]".utf8)) })
    }

    /// Data directories written before the binary form hold JSON payloads (formats 0 and 1):
    /// they still decode, to the same commands.
    @Test(arguments: everyOperation)
    func jsonPayloadsOfEarlierVersionsStillDecode(operation: StoreOperation) throws {
        let command = Command(id: ProposalID(node: 0x3f2a, sequence: 17), time: -5, operation: operation)
        let json = Array(try ConsensusValue.jsonEncoder().encode(command))
        #expect(try CommandCodec.decode([CommandCodec.Format.json.rawValue] + json) == command)
        #expect(try CommandCodec.decode([CommandCodec.Format.deflate.rawValue] + CommandCodec.compress(json)) == command)
    }

    @Test func commandJSONIsReadable() throws {
        let command = Command(id: ProposalID(node: 2, sequence: 5), time: 9, operation: .compareAndSwap(key: "k", expected: .null, new: nil))
        let json = String(decoding: try ConsensusValue.jsonEncoder().encode(command), as: UTF8.self)
        #expect(json == #"{"id":{"node":2,"sequence":5},"operation":{"expected":null,"key":"k","type":"compareAndSwap"},"time":9}"#)
    }

    @Test func operationResultsRoundTripThroughJSON() throws {
        let results: [OperationResult] = [
            .put(previous: nil), .put(previous: .null), .delete(previous: 3),
            .compareAndSwap(succeeded: false, current: nil), .compareAndSwap(succeeded: true, current: .null),
            .transaction(succeeded: true, results: [.counter(values: ["a": 1])]),
            .lock(nil), .lock(LockGrant(name: "l", holder: "h", token: 2, expiresAt: 99)),
            .lockReleased(true), .rejected(reason: "because"),
        ]
        let decoded = try JSONDecoder().decode([OperationResult].self, from: JSONEncoder().encode(results))
        #expect(decoded == results)
    }

    @Test func proposalIDDescriptionIsHexNodeDashSequence() {
        #expect(ProposalID(node: 0x3f2a, sequence: 17).description == "3f2a-17")
    }

    private func isCorrupt(_ body: () throws -> Any) -> Bool {
        do {
            _ = try body()
            return false
        } catch CommandCodecError.corrupt {
            return true
        } catch {
            return false
        }
    }
}
