import ConsensusNetwork

/// What one frame carries: the handshake that opens a connection, a peer message, or a piece
/// of a snapshot too large for one frame. ``PeerFrameEncoder`` writes frames and
/// ``PeerFrameDecoder`` reads them; ``PeerWire`` documents the layout.
public enum PeerFrame: Sendable, Hashable {
    /// The first frame on a connection, from each side.
    case handshake(Handshake)
    /// Any peer message (an `installSnapshot` only when it fits; see ``SnapshotChunker``).
    case message(PeerMessage)
    /// A piece of an `installSnapshot` message, for ``SnapshotAssembler``.
    case snapshotChunk(SnapshotChunk)
}
