import ConsensusTesting
import ConsensusCore
import ConsensusNetwork
import ConsensusWire
import NIOCore
import NIOEmbedded
import Testing

/// The decoder and encoder in a channel pipeline, as the TCP transport will use them.
@Suite("Peer frames in a channel")
struct PeerFrameDecoderChannelTests {
    func sampleFrames(seed: UInt64, count: Int) -> [PeerFrame] {
        var random = RandomPeerMessages(seed: seed)
        return [.handshake(Handshake(clusterID: "c1", nodeName: "n2"))]
            + (0..<count).map { _ in .message(random.message()) }
    }

    func inbound(_ channel: EmbeddedChannel) throws -> [PeerFrame] {
        var frames: [PeerFrame] = []
        while let frame = try channel.readInbound(as: PeerFrame.self) { frames.append(frame) }
        return frames
    }

    @Test("Frames fed one byte at a time arrive whole, each exactly once")
    func byteByByte() throws {
        let frames = sampleFrames(seed: 1, count: 40)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        var received: [PeerFrame] = []
        for frame in frames {
            for byte in try frame.encoded() {
                try channel.writeInbound(ByteBuffer(bytes: [byte]))
                received += try inbound(channel)
            }
        }
        #expect(received == frames)
        #expect(try channel.finish().isClean)
    }

    @Test("Frames fed in one buffer, and in random slices, arrive whole and in order")
    func bulkAndSlices() throws {
        for seed in UInt64(0)..<20 {
            let frames = sampleFrames(seed: seed, count: 30)
            let bytes = try frames.flatMap { try $0.encoded() }

            let bulk = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
            try bulk.writeInbound(ByteBuffer(bytes: bytes))
            #expect(try inbound(bulk) == frames)
            #expect(try bulk.finish().isClean)

            var rng = SplitMix64(seed: seed)
            let sliced = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + rng.int(in: 1...200))
                try sliced.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
            }
            #expect(try inbound(sliced) == frames, "seed \(seed)")
            #expect(try sliced.finish().isClean)
        }
    }

    @Test("A partial frame is left alone: no frame, reader index untouched")
    func partialFrameIsLeftAlone() throws {
        let bytes = try PeerFrame.message(.forward(command: [1, 2, 3], hops: 1)).encoded()
        var decoder = PeerFrameDecoder()
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[0..<cut])
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readerIndex == 0 && buffer.readableBytes == cut)
        }
    }

    @Test("The encoder writes what the decoder reads")
    func encoderToDecoder() throws {
        let frames = sampleFrames(seed: 7, count: 25)
        let out = EmbeddedChannel(handler: MessageToByteHandler(PeerFrameEncoder()))
        let into = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        for frame in frames {
            try out.writeOutbound(frame)
            while let buffer = try out.readOutbound(as: ByteBuffer.self) { try into.writeInbound(buffer) }
        }
        #expect(try inbound(into) == frames)
        #expect(try out.finish().isClean && into.finish().isClean)
    }

    @Test("An oversized length prefix is refused from its 4 bytes alone, and the connection closes with the reason")
    func oversizedLengthClosesTheConnection() throws {
        let closer = CloseOnWireError()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(PeerFrameDecoder(frameBytesMax: 1024)), closer,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7001)).wait()
        #expect(throws: PeerWireError.frameTooLarge(frameBytes: 1025, frameBytesMax: 1024)) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFD, 0x03, 0, 0]))  // length 1021
        }
        #expect(closer.reasons == ["frame of 1025 bytes exceeds the maximum of 1024 bytes"])
        #expect(!channel.isActive)
    }

    @Test("A stream that ends in the middle of a frame is an error, not a silent loss")
    func truncatedAtEndOfStream() throws {
        let bytes = try PeerFrame.message(.ping(sequence: 9)).encoded()
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: bytes + bytes.prefix(5)))
        #expect(try channel.readInbound(as: PeerFrame.self) == .message(.ping(sequence: 9)))
        #expect(throws: PeerWireError.truncated(bytesLeft: 5)) { try channel.finish() }
    }
}

/// What the TCP transport's handler will do with a decoding error: log the reason, close.
final class CloseOnWireError: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = PeerFrame
    private(set) var reasons: [String] = []

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reasons.append((error as? PeerWireError)?.description ?? "not a wire error: \(error)")
        context.close(promise: nil)
        context.fireErrorCaught(error)
    }
}
