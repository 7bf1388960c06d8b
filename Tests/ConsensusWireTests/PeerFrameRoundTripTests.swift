import ConsensusTesting
import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import NIOCore
import Testing

/// Every frame reads back as it was written, and the layout stays what ``PeerWire`` documents.
@Suite("Peer frames round-trip")
struct PeerFrameRoundTripTests {
    @Test("Every message shape, 100 seeds each: encoded, then decoded, equals the original")
    func everyShapeRoundTrips() throws {
        var types = Set<PeerFrameType>()
        for seed in UInt64(0)..<100 {
            var random = RandomPeerMessages(seed: seed)
            for shape in 0..<RandomPeerMessages.shapeCount {
                let frame = PeerFrame.message(random.message(shape: shape))
                let bytes = try frame.encoded()
                #expect(try PeerFrame(decoding: bytes[...]) == frame, "seed \(seed) shape \(shape)")
                #expect(try frame.encoded() == bytes, "encoding is deterministic (seed \(seed))")
                #expect(bytes[5] == frame.type.rawValue)
                types.insert(frame.type)
            }
        }
        let messageTypes = Set(PeerFrameType.allCases).subtracting([.handshake, .snapshotChunk])
        #expect(types == messageTypes, "the generator covers every message type")
    }

    @Test("Random message streams decode frame by frame through PeerFrameDecoder")
    func streamsDecode() throws {
        for seed in UInt64(0)..<200 {
            var random = RandomPeerMessages(seed: seed)
            let frames = (0..<10).map { _ in PeerFrame.message(random.message()) }
            var buffer = ByteBuffer()
            for frame in frames { buffer.writeBytes(try frame.encoded()) }
            var decoder = PeerFrameDecoder()
            var decoded: [PeerFrame] = []
            while let frame = try decoder.decode(buffer: &buffer) { decoded.append(frame) }
            #expect(decoded == frames, "seed \(seed)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("Handshakes round-trip, including empty and non-ASCII names")
    func handshakeRoundTrips() throws {
        for handshake in [
            Handshake(clusterID: "prod", nodeName: "n1"),
            Handshake(protocolVersion: 7, clusterID: "", nodeName: ""),
            Handshake(clusterID: "集群-🙂", nodeName: "nœud"),
        ] {
            let frame = PeerFrame.handshake(handshake)
            #expect(try PeerFrame(decoding: try frame.encoded()[...]) == frame)
        }
        #expect(Handshake(clusterID: "c", nodeName: "n1").nodeID == memberID("n1"))
    }

    @Test("The layout is stable: a ping and a handshake, byte for byte")
    func goldenBytes() throws {
        #expect(try PeerFrame.message(.ping(sequence: 0x0102)).encoded() == [
            10, 0, 0, 0,  // length: version + type + 8
            1,  // version
            0x21,  // type: ping
            0x02, 0x01, 0, 0, 0, 0, 0, 0,  // sequence
        ])
        #expect(try PeerFrame.handshake(Handshake(clusterID: "c", nodeName: "n1")).encoded() == [
            22, 0, 0, 0, 1, 0x01,
            2,  // protocol version (PeerWire.protocolVersion)
            1, 0, 0, 0, 0, 0, 0, 0, 0x63,  // "c"
            2, 0, 0, 0, 0, 0, 0, 0, 0x6E, 0x31,  // "n1"
        ])
    }

    @Test("A frame over frameBytesMax is not encoded")
    func encoderRefusesLargeFrames() throws {
        let frame = PeerFrame.message(.forward(command: [UInt8](repeating: 7, count: 1000), hops: 0))
        #expect(throws: PeerWireError.frameTooLarge(frameBytes: 1022, frameBytesMax: 512)) {
            try frame.encoded(frameBytesMax: 512)
        }
        #expect(try frame.encoded(frameBytesMax: 1022).count == 1022)
    }

    @Test("Values the core would trap on are refused as malformed, not trapped on")
    func invalidValuesAreMalformed() throws {
        // A snapshot whose membership lists node 0 as a voter.
        var w = [UInt8]()
        w += le(1) + le(2) + le(3)  // from, to, term
        w += le(10) + le(1)  // index, term
        w += [1, 0, 0, 0] + le(0)  // voters: [0]
        w += [0, 0, 0, 0]  // learners: []
        w += le(0)  // data: empty
        let frame = [UInt8(w.count + 2), 0, 0, 0, 1, PeerFrameType.installSnapshot.rawValue] + w
        #expect(throws: PeerWireError.malformed(type: .installSnapshot, reason: "node id 0 in a membership")) {
            try PeerFrame(decoding: frame[...])
        }
        // An entry of an unknown kind, a boolean that is 2, a string that is not UTF-8.
        let header = le(1) + le(2) + le(3)  // from, to, term
        let entry = header + le(0) + le(0) + le(0) + [1, 0, 0, 0] + le(1) + le(1) + [9] + le(0)
        let badFrames: [(PeerFrameType, [UInt8])] = [
            (.append, entry),
            (.voteResponse, header + [2]),
            (.ping, le(1) + [0]),
            (.majorityPropose, le(1) + [0xFF] + le(0) + le(0) + le(0) + le(0)),
        ]
        for (type, payload) in badFrames {
            let bytes = [UInt8(payload.count + 2), 0, 0, 0, 1, type.rawValue] + payload
            #expect {
                try PeerFrame(decoding: bytes[...])
            } throws: { error in
                guard case .malformed(let t, _)? = error as? PeerWireError else { return false }
                return t == type
            }
        }
    }

    private func le(_ value: UInt64) -> [UInt8] {
        var w = LittleEndian.Writer()
        w.u64(value)
        return w.bytes
    }
}
