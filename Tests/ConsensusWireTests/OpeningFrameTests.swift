import ConsensusTesting
import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import NIOCore
import Testing

/// The opening exchange's frames (challenge, response, refusal) and the decoder that reads them
/// beside the peer frames.
@Suite("Opening frames")
struct OpeningFrameTests {
    let samples: [OpeningFrame] = [
        .challenge(nonce: Array(repeating: 0xAB, count: 32)),
        .challenge(nonce: Array(0..<16)),
        .challengeResponse(proof: Array(0..<32)),
        .challengeResponse(proof: []),
        .refusal(PeerRefusal(.wrongCluster, "peer n1 is in cluster \"blue\"")),
        .refusal(PeerRefusal(.protocolViolation, "")),
        .refusal(PeerRefusal(.other, "ключ 🙂")),
    ]

    /// Decodes every frame in `bytes`, fed `slice` bytes at a time, then the end of the stream.
    func decodeAll(_ bytes: [UInt8], slice: Int = 7, frameBytesMax: Int = PeerWire.frameBytesMaxDefault) throws -> [ConnectionFrame] {
        var decoder = ConnectionFrameDecoder(frameBytesMax: frameBytesMax)
        var buffer = ByteBuffer()
        var frames: [ConnectionFrame] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + slice)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
        }
        while let frame = try decoder.decodeLast(buffer: &buffer, seenEOF: true) { frames.append(frame) }
        return frames
    }

    @Test("Each opening frame round-trips, with the type codes 0x02-0x04 of the reserved range")
    func roundTrip() throws {
        for frame in samples {
            let bytes = frame.encoded()
            #expect(bytes[4] == PeerWire.version && bytes[5] == frame.type.rawValue)
            #expect((0x02...0x0F).contains(bytes[5]))
            #expect(PeerFrameType(rawValue: bytes[5]) == nil, "no clash with a peer frame type")
            #expect(try OpeningFrame(decoding: bytes[...]) == frame)
        }
    }

    @Test("Opening and peer frames interleaved, in any slicing, decode in order")
    func interleaved() throws {
        var random = RandomPeerMessages(seed: 3)
        var frames: [ConnectionFrame] = [.peer(.handshake(Handshake(clusterID: "c", nodeName: "n1")))]
        for sample in samples {
            frames.append(.opening(sample))
            frames.append(.peer(.message(random.message())))
        }
        let bytes = try frames.flatMap { try $0.encoded() }
        for slice in [1, 5, 64, bytes.count] {
            #expect(try decodeAll(bytes, slice: slice) == frames, "slice \(slice)")
        }
    }

    @Test("A refusal message is cut to its bound on a character boundary")
    func longRefusalIsCut() throws {
        let long = String(repeating: "é", count: PeerRefusal.messageBytesMax)
        let frame = try OpeningFrame(decoding: OpeningFrame.refusal(PeerRefusal(.other, long)).encoded()[...])
        guard case .refusal(let refusal) = frame else { Issue.record("not a refusal"); return }
        #expect(refusal.message.utf8.count == PeerRefusal.messageBytesMax)
        #expect(refusal.message.allSatisfy { $0 == "é" })
    }

    @Test("An unknown refusal code reads as .other, so a newer peer's reason is still shown")
    func unknownReasonCode() throws {
        var bytes = OpeningFrame.refusal(PeerRefusal(.other, "x")).encoded()
        bytes[6] = 200
        #expect(try OpeningFrame(decoding: bytes[...]) == .refusal(PeerRefusal(.other, "x")))
    }

    @Test("Bad opening frames are typed errors: short nonce, long proof, trailing bytes, oversized, truncated")
    func badFrames() throws {
        func error(_ bytes: [UInt8], frameBytesMax: Int = PeerWire.frameBytesMaxDefault) -> PeerWireError? {
            do {
                _ = try decodeAll(bytes, frameBytesMax: frameBytesMax)
                return nil
            } catch {
                return error as? PeerWireError
            }
        }
        let shortNonce = OpeningFrame.challenge(nonce: [1, 2, 3]).encoded()
        #expect(error(shortNonce).map { if case .malformed = $0 { true } else { false } } == true)
        let longProof = OpeningFrame.challengeResponse(proof: Array(repeating: 1, count: 65)).encoded()
        #expect(error(longProof).map { if case .malformed = $0 { true } else { false } } == true)
        var trailing = OpeningFrame.challengeResponse(proof: [1]).encoded() + [9]
        trailing[0] += 1
        #expect(error(trailing).map { if case .malformed = $0 { true } else { false } } == true)
        let oversized: [UInt8] = [0xFF, 0xFF, 0, 0, PeerWire.version, OpeningFrameType.challenge.rawValue]
        #expect(error(oversized, frameBytesMax: 1024) == .frameTooLarge(frameBytes: 0xFFFF + 4, frameBytesMax: 1024))
        let truncated = Array(OpeningFrame.challenge(nonce: Array(0..<20)).encoded().dropLast(3))
        #expect(error(truncated) == .truncated(bytesLeft: truncated.count))
        let otherVersion: [UInt8] = [2, 0, 0, 0, 9, OpeningFrameType.refusal.rawValue]
        #expect(error(otherVersion) == .unsupportedVersion(9))
    }

    @Test("3000 random and mutated byte strings: frames or a typed error, never a trap")
    func fuzz() {
        var rng = SplitMix64(seed: 0x0FE4)
        for i in 0..<3000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<rng.int(in: 0...200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if bytes.count >= 6 { bytes[5] = UInt8(rng.int(in: 2...4)) }
            } else {
                bytes = samples[rng.int(in: 0...(samples.count - 1))].encoded()
                for _ in 0..<rng.int(in: 1...3) {
                    bytes[rng.int(in: 0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                _ = try decodeAll(bytes, slice: rng.int(in: 1...32), frameBytesMax: 1024)
            } catch {
                #expect(error is PeerWireError, "\(error)")
            }
        }
    }
}
