import ConsensusTesting
import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import NIOCore
import Testing

/// Snapshots larger than a frame travel as chunks and are put back together exactly; lost,
/// repeated and stray chunks are handled as ``SnapshotAssembler`` documents.
@Suite("Snapshot chunking")
struct SnapshotChunkingTests {
    let frameBytesMax = 256

    func snapshotMessage(seed: UInt64, dataBytes: Int) -> Message {
        var random = RandomPeerMessages(seed: seed)
        var snapshot = random.snapshot(dataBytesMax: 0)
        snapshot.data = (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
        return Message(from: 1, to: 2, term: 5, kind: .installSnapshot(snapshot))
    }

    func chunks(_ message: Message) throws -> [SnapshotChunk] {
        try PeerFrame.frames(for: .raft(message), frameBytesMax: frameBytesMax).map {
            guard case .snapshotChunk(let chunk) = $0 else { throw Unexpected(frame: $0) }
            return chunk
        }
    }

    struct Unexpected: Error { var frame: PeerFrame }

    @Test("Snapshots of many sizes: every chunk frame fits, and the bytes reassemble to the message")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for seed in UInt64(0)..<200 {
            let size = rng.pick([0, 1, 100, rng.int(in: 0...5000)])
            let message = snapshotMessage(seed: seed, dataBytes: size)
            var stream = ByteBuffer()
            for chunk in try chunks(message) {
                let bytes = try PeerFrame.snapshotChunk(chunk).encoded(frameBytesMax: frameBytesMax)
                #expect(bytes.count <= frameBytesMax)
                stream.writeBytes(bytes)
            }
            var decoder = PeerFrameDecoder(frameBytesMax: frameBytesMax)
            var assembler = SnapshotAssembler()
            var assembled: [Message] = []
            while case .snapshotChunk(let chunk)? = try decoder.decode(buffer: &stream) {
                if let done = try assembler.receive(chunk) { assembled.append(done) }
            }
            #expect(assembled == [message], "seed \(seed), \(size) bytes")
            #expect(assembler.bytesPending == 0)
        }
    }

    @Test("Chunks are full but the last; an empty snapshot is one empty chunk")
    func chunkShapes() throws {
        let message = snapshotMessage(seed: 3, dataBytes: 1000)
        guard case .installSnapshot(let snapshot) = message.kind else { return }
        let chunker = try SnapshotChunker(from: 1, to: 2, term: 5, snapshot: snapshot, frameBytesMax: frameBytesMax)
        let all = Array(chunker)
        #expect(all.count == chunker.chunkCount)
        #expect(all.dropLast().allSatisfy { $0.data.count == chunker.chunkBytes && !$0.isLast })
        #expect(all.last!.isLast && all.map(\.offset) == all.indices.map { UInt64($0 * chunker.chunkBytes) })

        let empty = try chunks(snapshotMessage(seed: 3, dataBytes: 0))
        #expect(empty.count == 1 && empty[0].data.isEmpty && empty[0].isLast)
    }

    @Test("Other messages are one frame; metadata too large for the frame is refused")
    func framesForOtherMessages() throws {
        #expect(try PeerFrame.frames(for: .ping(sequence: 1)) == [.message(.ping(sequence: 1))])
        let crowd = Configuration(voters: Set(1...40))
        let snapshot = Snapshot(metadata: SnapshotMetadata(index: 1, term: 1, configuration: crowd), data: [1])
        #expect(throws: PeerWireError.self) {
            try SnapshotChunker(from: 1, to: 2, term: 1, snapshot: snapshot, frameBytesMax: 256)
        }
    }

    @Test("Every chunk delivered twice: the snapshot completes once, unchanged")
    func duplicatesAreIgnored() throws {
        let message = snapshotMessage(seed: 9, dataBytes: 2000)
        var assembler = SnapshotAssembler()
        var assembled: [Message] = []
        for chunk in try chunks(message) {
            for _ in 0..<2 {
                if let done = try assembler.receive(chunk) { assembled.append(done) }
            }
        }
        #expect(assembled == [message])
    }

    @Test("A missing chunk: the next one is a gap, the partial snapshot is dropped; a resend from 0 completes")
    func missingChunk() throws {
        let message = snapshotMessage(seed: 11, dataBytes: 2000)
        let all = try chunks(message)
        var assembler = SnapshotAssembler()
        #expect(try assembler.receive(all[0]) == nil)
        #expect(throws: SnapshotAssemblyError.gap(expectedOffset: all[1].offset, offset: all[2].offset)) {
            try assembler.receive(all[2])
        }
        #expect(assembler.bytesPending == 0)
        #expect(throws: SnapshotAssemblyError.missingStart(offset: all[3].offset)) {
            try assembler.receive(all[3])
        }
        var assembled: Message?
        for chunk in all { assembled = try assembler.receive(chunk) ?? assembled }
        #expect(assembled == message)
    }

    @Test("Out of order: a later chunk before an earlier one is a gap, not a reordering")
    func outOfOrder() throws {
        let all = try chunks(snapshotMessage(seed: 12, dataBytes: 1500))
        var assembler = SnapshotAssembler()
        _ = try assembler.receive(all[0])
        #expect(throws: SnapshotAssemblyError.self) { try assembler.receive(all[2]) }
        #expect(throws: SnapshotAssemblyError.missingStart(offset: all[1].offset)) { try assembler.receive(all[1]) }
    }

    @Test("A new snapshot's first chunk replaces a partial one; a stray middle chunk keeps it")
    func newerSnapshotSupersedes() throws {
        let old = try chunks(snapshotMessage(seed: 20, dataBytes: 1500))
        let newer = snapshotMessage(seed: 21, dataBytes: 1500)
        var assembler = SnapshotAssembler()
        _ = try assembler.receive(old[0])
        _ = try assembler.receive(old[1])
        var assembled: Message?
        for (i, chunk) in try chunks(newer).enumerated() {
            if i == 1 {
                #expect(throws: SnapshotAssemblyError.self) { try assembler.receive(old[2]) }
            }
            assembled = try assembler.receive(chunk) ?? assembled
        }
        #expect(assembled == newer)
    }

    @Test("A snapshot sent again after it completed completes again; its late middle chunks are ignored")
    func resendAfterCompletion() throws {
        let message = snapshotMessage(seed: 30, dataBytes: 800)
        let all = try chunks(message)
        var assembler = SnapshotAssembler()
        var completions = 0
        for chunk in all + [all[1]] + all {
            if try assembler.receive(chunk) != nil { completions += 1 }
        }
        #expect(completions == 2)
    }

    @Test("Too large or out of bounds: refused before anything is buffered")
    func bounds() throws {
        var chunk = try chunks(snapshotMessage(seed: 40, dataBytes: 600))[0]
        var small = SnapshotAssembler(snapshotBytesMax: 500)
        #expect(throws: SnapshotAssemblyError.tooLarge(totalBytes: 600, snapshotBytesMax: 500)) {
            try small.receive(chunk)
        }
        #expect(small.bytesPending == 0)

        var assembler = SnapshotAssembler()
        chunk.offset = 590
        #expect(throws: SnapshotAssemblyError.outOfBounds(offset: 590, bytes: chunk.data.count, totalBytes: 600)) {
            try assembler.receive(chunk)
        }
        chunk.offset = UInt64.max
        #expect(throws: SnapshotAssemblyError.self) { try assembler.receive(chunk) }
        #expect(assembler.bytesPending == 0)
    }
}
