import ConsensusCore

/// Puts ``SnapshotChunk``s back together into the `installSnapshot` message they were cut from
/// (by ``SnapshotChunker``). Use one per connection: it assembles one snapshot at a time.
///
/// Chunks belong to the same snapshot when sender, recipient, term, metadata and total size all
/// match. How each chunk is handled:
/// - **in order** (its offset is the bytes received so far): appended; the last one completes
///   the snapshot and ``receive(_:)`` returns the message.
/// - **offset 0**: starts the snapshot afresh, dropping any partial one (a leader sending again,
///   or a newer snapshot), unless it repeats the start of the snapshot in progress.
/// - **duplicate or overlapping** (offset below the bytes received): only bytes not yet held
///   are appended; a repeat of a chunk already held changes nothing. Middle chunks of the
///   snapshot just completed are ignored too.
/// - **out of order** (offset above the bytes received: a chunk is missing): the partial snapshot
///   is dropped and ``SnapshotAssemblyError/gap(expectedOffset:offset:)`` thrown. Over one TCP
///   connection chunks arrive in order, so a gap means a lost chunk, not a late one.
/// - **from an unknown snapshot** (offset above 0, no matching start): refused with
///   ``SnapshotAssemblyError/missingStart(offset:)``; the snapshot in progress is kept.
/// - **too large or out of bounds**: refused before anything is buffered.
///
/// At most `snapshotBytesMax` bytes are held, and only as chunks actually arrive.
public struct SnapshotAssembler: Sendable {
    /// The default bound on one snapshot's data: 1 GiB.
    public static let snapshotBytesMaxDefault = 1 << 30

    /// The largest snapshot accepted.
    public let snapshotBytesMax: Int

    private struct Identity: Hashable, Sendable {
        var from: NodeID, to: NodeID, term: Term
        var metadata: SnapshotMetadata
        var totalBytes: UInt64

        init(_ chunk: SnapshotChunk) {
            (from, to, term, metadata, totalBytes) =
                (chunk.from, chunk.to, chunk.term, chunk.metadata, chunk.totalBytes)
        }
    }

    private var pending: (identity: Identity, data: [UInt8])?
    private var completed: Identity?

    /// - Parameter snapshotBytesMax: The largest snapshot accepted.
    public init(snapshotBytesMax: Int = SnapshotAssembler.snapshotBytesMaxDefault) {
        precondition(snapshotBytesMax >= 0, "snapshotBytesMax must not be negative")
        self.snapshotBytesMax = snapshotBytesMax
    }

    /// Bytes of the snapshot in progress held so far (0 when none is).
    public var bytesPending: Int { pending?.data.count ?? 0 }

    /// Takes one chunk.
    ///
    /// - Parameter chunk: A chunk received from a peer.
    /// - Returns: The `installSnapshot` message once its last chunk is in, nil before.
    /// - Throws: ``SnapshotAssemblyError`` for a chunk that cannot be used (see the type's
    ///   documentation for what is kept).
    public mutating func receive(_ chunk: SnapshotChunk) throws(SnapshotAssemblyError) -> Message? {
        guard chunk.totalBytes <= UInt64(snapshotBytesMax) else {
            throw .tooLarge(totalBytes: chunk.totalBytes, snapshotBytesMax: snapshotBytesMax)
        }
        guard chunk.offset <= chunk.totalBytes, UInt64(chunk.data.count) <= chunk.totalBytes - chunk.offset else {
            throw .outOfBounds(offset: chunk.offset, bytes: chunk.data.count, totalBytes: chunk.totalBytes)
        }
        let identity = Identity(chunk)
        if chunk.offset == 0 && pending?.identity != identity {
            pending = (identity, [])
        }
        guard var (_, data) = pending, pending?.identity == identity else {
            if identity == completed { return nil }
            throw .missingStart(offset: chunk.offset)
        }
        pending = nil  // so that `data` is uniquely referenced and appends in place
        let received = UInt64(data.count)
        guard chunk.offset <= received else {
            throw .gap(expectedOffset: received, offset: chunk.offset)
        }
        data.append(contentsOf: chunk.data.dropFirst(Int(received - chunk.offset)))
        guard UInt64(data.count) == chunk.totalBytes else {
            pending = (identity, data)
            return nil
        }
        completed = identity
        let snapshot = Snapshot(metadata: chunk.metadata, data: data)
        return Message(from: chunk.from, to: chunk.to, term: chunk.term, kind: .installSnapshot(snapshot))
    }

    /// Drops the snapshot in progress (the connection closed).
    public mutating func reset() {
        pending = nil
        completed = nil
    }
}
