import NIOCore

/// Writes ``PeerFrame``s to a peer's byte stream, for `MessageToByteHandler(PeerFrameEncoder())`.
/// A frame over `frameBytesMax` is not written: the write fails with
/// ``PeerWireError/frameTooLarge(frameBytes:frameBytesMax:)`` (send snapshots through
/// ``SnapshotChunker``).
public struct PeerFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = PeerFrame

    /// The largest frame written, length prefix included.
    public let frameBytesMax: Int

    /// - Parameter frameBytesMax: The largest frame written, length prefix included (see
    ///   ``PeerWire/frameBytesMaxRange``).
    public init(frameBytesMax: Int = PeerWire.frameBytesMaxDefault) {
        self.frameBytesMax = PeerWire.checked(frameBytesMax: frameBytesMax)
    }

    /// Appends `data`'s bytes to `out`.
    public func encode(data: PeerFrame, out: inout ByteBuffer) throws {
        out.writeBytes(try data.encoded(frameBytesMax: frameBytesMax))
    }
}
