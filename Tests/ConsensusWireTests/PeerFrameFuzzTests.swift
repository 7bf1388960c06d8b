import ConsensusTesting
import ConsensusCore
import ConsensusWire
import NIOCore
import NIOEmbedded
import Testing

/// Hostile bytes: random, truncated, oversized, of the wrong version or type, or valid frames
/// with bytes flipped. Whatever arrives, the decoder never traps: each input gives frames, then
/// either a typed ``PeerWireError`` or a clean end.
@Suite("Peer frame fuzzing")
struct PeerFrameFuzzTests {
    enum Outcome: Equatable {
        case frames(Int)
        case error(PeerWireError)
    }

    /// Feeds `bytes` in random slices, as a connection would, then ends the stream.
    func feed(_ bytes: [UInt8], rng: inout SplitMix64, frameBytesMax: Int = 1024) -> Outcome {
        var decoder = PeerFrameDecoder(frameBytesMax: frameBytesMax)
        var buffer = ByteBuffer()
        var frames = 0
        var offset = 0
        do {
            while offset < bytes.count {
                let end = min(bytes.count, offset + rng.int(in: 1...64))
                buffer.writeBytes(bytes[offset..<end])
                offset = end
                while try decoder.decode(buffer: &buffer) != nil { frames += 1 }
            }
            while try decoder.decodeLast(buffer: &buffer, seenEOF: true) != nil { frames += 1 }
            return .frames(frames)
        } catch let error as PeerWireError {
            return .error(error)
        } catch {
            Issue.record("not a PeerWireError: \(error)")
            return .frames(-1)
        }
    }

    func validFrame(_ rng: inout SplitMix64) -> [UInt8] {
        var random = RandomPeerMessages(seed: rng.fork())
        return try! PeerFrame.message(random.message()).encoded()
    }

    @Test("5000 random byte strings: frames or a typed error, never a trap")
    func randomBytes() {
        var rng = SplitMix64(seed: 0xF0F0)
        var errors = 0
        for _ in 0..<5000 {
            let bytes = (0..<rng.int(in: 0...300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if case .error = feed(bytes, rng: &rng) { errors += 1 }
        }
        #expect(errors > 4000, "random bytes are almost never frames")
    }

    @Test("2000 truncated frames: nothing until the end of the stream, then truncated")
    func truncatedFrames() {
        var rng = SplitMix64(seed: 0x7A7A)
        for _ in 0..<2000 {
            let frame = validFrame(&rng)
            let cut = rng.int(in: 1...(frame.count - 1))
            #expect(feed(Array(frame[0..<cut]), rng: &rng) == .error(.truncated(bytesLeft: cut)))
        }
    }

    @Test("2000 oversized length prefixes: refused with frameTooLarge")
    func oversizedLengths() {
        var rng = SplitMix64(seed: 0x0515)
        for _ in 0..<2000 {
            let length = UInt32(rng.int(in: 1021...Int(UInt32.max)))
            var w = LittleEndian.Writer()
            w.u32(length)
            let tail = (0..<rng.int(in: 0...50)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(feed(w.bytes + tail, rng: &rng)
                == .error(.frameTooLarge(frameBytes: UInt64(length) + 4, frameBytesMax: 1024)))
        }
    }

    @Test("2000 frames of another version or an unknown type: refused with the byte named")
    func wrongVersionsAndTypes() {
        var rng = SplitMix64(seed: 0x7E57)
        let known = Set(PeerFrameType.allCases.map(\.rawValue))
        for i in 0..<2000 {
            var frame = validFrame(&rng)
            if i % 2 == 0 {
                let version = UInt8(truncatingIfNeeded: rng.int(in: 2...256))
                frame[4] = version
                #expect(feed(frame, rng: &rng) == .error(.unsupportedVersion(version)))
            } else {
                var type = UInt8(truncatingIfNeeded: rng.next())
                while known.contains(type) { type &+= 1 }
                frame[5] = type
                #expect(feed(frame, rng: &rng) == .error(.unknownType(type)))
            }
        }
    }

    @Test("5000 valid frames with bytes flipped, lengths changed or junk appended: frames or a typed error")
    func mutatedFrames() {
        var rng = SplitMix64(seed: 0xB17F)
        var outcomes = [0, 0]
        for _ in 0..<5000 {
            var bytes = validFrame(&rng) + validFrame(&rng)
            for _ in 0..<rng.int(in: 1...4) {
                let at = rng.int(in: 0...(bytes.count - 1))
                bytes[at] = rng.chance(0.5) ? UInt8(truncatingIfNeeded: rng.next()) : bytes[at] ^ 1
            }
            if rng.chance(0.2) { bytes += (0..<rng.int(in: 1...20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            switch feed(bytes, rng: &rng) {
            case .frames: outcomes[0] += 1
            case .error: outcomes[1] += 1
            }
        }
        #expect(outcomes[1] > 0)
    }

    @Test("Hostile bytes through a channel: the handler sees a typed error and closes the connection")
    func hostileBytesCloseTheChannel() throws {
        var rng = SplitMix64(seed: 0xC105E)
        for _ in 0..<300 {
            let closer = CloseOnWireError()
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PeerFrameDecoder()), closer])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7001)).wait()
            var bytes = validFrame(&rng)
            bytes[rng.int(in: 4...5)] = 0xEE  // a version and a type no build uses
            bytes += (0..<rng.int(in: 0...100)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(throws: PeerWireError.self) { try channel.writeInbound(ByteBuffer(bytes: bytes)) }
            #expect(closer.reasons.count == 1)
            #expect(!channel.isActive)
        }
    }
}
