import NIOCore

/// Reads ``ConnectionFrame``s from a peer's byte stream: ``PeerFrameDecoder`` extended with the
/// ``OpeningFrameType`` codes, for `ByteToMessageHandler(ConnectionFrameDecoder())`. Like it, a
/// partial frame is left alone and every bad byte throws a ``PeerWireError``, never traps.
public struct ConnectionFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = ConnectionFrame

    private var peerFrames: PeerFrameDecoder

    /// The largest frame accepted, length prefix included.
    public var frameBytesMax: Int { peerFrames.frameBytesMax }

    /// - Parameter frameBytesMax: The largest frame accepted, length prefix included (see
    ///   ``PeerWire/frameBytesMaxRange``).
    public init(frameBytesMax: Int = PeerWire.frameBytesMaxDefault) {
        peerFrames = PeerFrameDecoder(frameBytesMax: frameBytesMax)
    }

    /// The next whole frame, or nil (the buffer untouched) until one has arrived.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ConnectionFrame? {
        if buffer.readableBytes >= PeerWire.headerBytes,
            let header = buffer.getBytes(at: buffer.readerIndex, length: PeerWire.headerBytes),
            OpeningFrameType(rawValue: header[PeerWire.headerBytes - 1]) != nil
        {
            // The length and version checks alone: the type byte is not a PeerFrameType.
            guard let frameBytes = try PeerFrame.frameBytes(header: header.prefix(5), frameBytesMax: frameBytesMax),
                buffer.readableBytes >= frameBytes,
                let frame = buffer.readBytes(length: frameBytes)
            else { return nil }
            return .opening(try OpeningFrame(decoding: frame[...], frameBytesMax: frameBytesMax))
        }
        return try peerFrames.decode(buffer: &buffer).map(ConnectionFrame.peer)
    }

    /// Like ``decode(buffer:)``; once the stream has ended, a partial frame left over throws
    /// ``PeerWireError/truncated(bytesLeft:)``.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ConnectionFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        try buffer.refusePartialFrame(seenEOF: seenEOF)
        return nil
    }
}
