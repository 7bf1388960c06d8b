/// Anything that travels on a peer connection: the ``PeerFrame``s (handshake, messages,
/// snapshot chunks) and the ``OpeningFrame``s of the opening exchange (challenge, response,
/// refusal). ``ConnectionFrameDecoder`` reads them; ``encoded(frameBytesMax:)`` writes them.
public enum ConnectionFrame: Sendable, Hashable {
    /// A handshake, a peer message or a snapshot chunk.
    case peer(PeerFrame)
    /// A challenge, a response or a refusal.
    case opening(OpeningFrame)

    /// The whole frame's bytes (see ``PeerFrame/encoded(frameBytesMax:)`` and
    /// ``OpeningFrame/encoded()``).
    ///
    /// - Parameter frameBytesMax: The largest frame allowed, length prefix included.
    /// - Throws: ``PeerWireError/frameTooLarge(frameBytes:frameBytesMax:)`` for a peer frame
    ///   that does not fit.
    public func encoded(frameBytesMax: Int = PeerWire.frameBytesMaxDefault) throws(PeerWireError) -> [UInt8] {
        switch self {
        case .peer(let frame): return try frame.encoded(frameBytesMax: frameBytesMax)
        case .opening(let frame): return frame.encoded()
        }
    }
}
