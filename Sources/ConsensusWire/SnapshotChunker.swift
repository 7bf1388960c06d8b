import ConsensusCore

/// Cuts an `installSnapshot` message into ``SnapshotChunk``s whose frames each fit
/// `frameBytesMax`: the data in order, `offset` 0 first, every chunk but the last full. A snapshot
/// with no data still makes one (empty) chunk. The chunks are made one at a time as the sequence
/// is iterated, so a transport can hold no more of them than its outbound queue allows.
///
/// ```swift
/// for chunk in try SnapshotChunker(from: 1, to: 2, term: 3, snapshot: snapshot) {
///     channel.write(PeerFrame.snapshotChunk(chunk))
/// }
/// ```
public struct SnapshotChunker: Sequence, IteratorProtocol, Sendable {
    /// Snapshot bytes per chunk (the last may have fewer).
    public let chunkBytes: Int
    private let header: SnapshotChunk
    private let data: [UInt8]
    private var offset = 0
    private var finished = false

    /// - Parameters:
    ///   - from: The leader sending the snapshot.
    ///   - to: The follower it is for.
    ///   - term: The leader's term.
    ///   - snapshot: The snapshot to send.
    ///   - frameBytesMax: The largest frame, length prefix included.
    /// - Throws: ``PeerWireError/frameTooLarge(frameBytes:frameBytesMax:)`` when not even one
    ///   byte of data fits beside the metadata (a membership far too large for the frame size).
    public init(
        from: NodeID, to: NodeID, term: Term, snapshot: Snapshot,
        frameBytesMax: Int = PeerWire.frameBytesMaxDefault
    ) throws(PeerWireError) {
        header = SnapshotChunk(
            from: from, to: to, term: term, metadata: snapshot.metadata,
            totalBytes: UInt64(snapshot.data.count), offset: 0, data: [])
        let overhead = try PeerFrame.snapshotChunk(header).encoded(frameBytesMax: frameBytesMax).count
        guard overhead < frameBytesMax else {
            throw .frameTooLarge(frameBytes: UInt64(overhead + 1), frameBytesMax: frameBytesMax)
        }
        chunkBytes = frameBytesMax - overhead
        data = snapshot.data
    }

    /// How many chunks the snapshot makes.
    public var chunkCount: Int { data.isEmpty ? 1 : (data.count + chunkBytes - 1) / chunkBytes }

    /// The next chunk, or nil after the last.
    public mutating func next() -> SnapshotChunk? {
        guard !finished else { return nil }
        let end = Swift.min(offset + chunkBytes, data.count)
        var chunk = header
        chunk.offset = UInt64(offset)
        chunk.data = Array(data[offset..<end])
        offset = end
        finished = end == data.count
        return chunk
    }
}
