import NIOCore

/// Reads ``PeerFrame``s from a peer's byte stream: a value type in the
/// `NIOSingleStepByteToMessageDecoder` style, for `ByteToMessageHandler(PeerFrameDecoder())`.
///
/// A partial frame is left alone (``decode(buffer:)`` returns nil and does not move the reader
/// index). A bad header is refused as soon as the byte that shows it has arrived: a length prefix
/// over `frameBytesMax` before anything is buffered for the frame, an unknown version or type.
/// Every refusal throws a ``PeerWireError``, never traps; the handler then fires it down the
/// pipeline, and the transport closes the connection and logs the error's description.
public struct PeerFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = PeerFrame

    /// The largest frame accepted, length prefix included.
    public let frameBytesMax: Int

    /// - Parameter frameBytesMax: The largest frame accepted, length prefix included (see
    ///   ``PeerWire/frameBytesMaxRange``).
    public init(frameBytesMax: Int = PeerWire.frameBytesMaxDefault) {
        self.frameBytesMax = PeerWire.checked(frameBytesMax: frameBytesMax)
    }

    /// The next whole frame, or nil (the buffer untouched) until one has arrived.
    public mutating func decode(buffer: inout ByteBuffer) throws -> PeerFrame? {
        let available = min(buffer.readableBytes, PeerWire.headerBytes)
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: available),
            let frameBytes = try PeerFrame.frameBytes(header: header[...], frameBytesMax: frameBytesMax),
            buffer.readableBytes >= frameBytes,
            let frame = buffer.readBytes(length: frameBytes)
        else { return nil }
        return try PeerFrame(decoding: frame[...], frameBytesMax: frameBytesMax)
    }

    /// Like ``decode(buffer:)``; once the stream has ended, a partial frame left over throws
    /// ``PeerWireError/truncated(bytesLeft:)``.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PeerFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        try buffer.refusePartialFrame(seenEOF: seenEOF)
        return nil
    }
}
