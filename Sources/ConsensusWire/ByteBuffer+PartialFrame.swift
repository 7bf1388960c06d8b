import NIOCore

extension ByteBuffer {
    /// At the end of a stream, bytes left over are a frame cut short: they are consumed and
    /// ``PeerWireError/truncated(bytesLeft:)`` is thrown. Before the end, nothing happens.
    mutating func refusePartialFrame(seenEOF: Bool) throws(PeerWireError) {
        guard seenEOF && readableBytes > 0 else { return }
        let left = readableBytes
        moveReaderIndex(forwardBy: left)
        throw .truncated(bytesLeft: left)
    }
}
