import ConsensusCore

/// One piece of an `installSnapshot` message too large for one frame: the message's header and
/// the snapshot's metadata (repeated in every chunk, so that each is checked against the others),
/// and `data` = the snapshot bytes `offset ..< offset + data.count` out of `totalBytes`.
/// ``SnapshotChunker`` cuts them; ``SnapshotAssembler`` puts them back together.
public struct SnapshotChunk: Sendable, Hashable {
    /// The leader that sent the snapshot.
    public var from: NodeID
    /// The follower it is for.
    public var to: NodeID
    /// The leader's term.
    public var term: Term
    /// The snapshot's place in the log and its membership.
    public var metadata: SnapshotMetadata
    /// The size of the whole snapshot's data.
    public var totalBytes: UInt64
    /// Where ``data`` starts in the snapshot's data.
    public var offset: UInt64
    /// This chunk's bytes.
    public var data: [UInt8]

    public init(
        from: NodeID, to: NodeID, term: Term, metadata: SnapshotMetadata,
        totalBytes: UInt64, offset: UInt64, data: [UInt8]
    ) {
        self.from = from
        self.to = to
        self.term = term
        self.metadata = metadata
        self.totalBytes = totalBytes
        self.offset = offset
        self.data = data
    }

    /// Whether this chunk ends the snapshot.
    public var isLast: Bool { offset + UInt64(data.count) == totalBytes }
}
