import ConsensusNetwork

extension PeerFrame {
    /// The frames that carry `message`: an `installSnapshot` as ``SnapshotChunk``s (always, so
    /// that a receiver has one path for snapshots, ``SnapshotAssembler``), anything else as one
    /// ``message(_:)`` frame.
    ///
    /// - Parameters:
    ///   - message: The message to send.
    ///   - frameBytesMax: The largest frame, length prefix included.
    /// - Returns: The frames, in the order to send them.
    /// - Throws: ``PeerWireError/frameTooLarge(frameBytes:frameBytesMax:)`` when a snapshot's
    ///   metadata alone does not fit a frame. (A message other than a snapshot is not measured
    ///   here; the encoder refuses it if it is too large.)
    public static func frames(
        for message: PeerMessage, frameBytesMax: Int = PeerWire.frameBytesMaxDefault
    ) throws(PeerWireError) -> [PeerFrame] {
        guard case .raft(let raft) = message, case .installSnapshot(let snapshot) = raft.kind else {
            return [.message(message)]
        }
        let chunker = try SnapshotChunker(
            from: raft.from, to: raft.to, term: raft.term, snapshot: snapshot, frameBytesMax: frameBytesMax)
        return chunker.map(PeerFrame.snapshotChunk)
    }
}
