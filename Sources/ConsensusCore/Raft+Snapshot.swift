/// Log compaction and InstallSnapshot (§7).
extension Raft {
    /// Records a snapshot of the application's state up to `index` (at most the applied index)
    /// and drops the log entries it covers. The caller persists the snapshot itself before calling
    /// this; followers that need the dropped entries will receive it.
    ///
    /// - Returns: the snapshot with its metadata (index, term, configuration), or `nil` when
    ///   `index` is not past the current snapshot.
    @discardableResult
    public mutating func compact(upTo index: LogIndex, snapshotData: [UInt8]) -> Snapshot? {
        precondition(index <= log.applied, "cannot snapshot at \(index): only \(log.applied) is applied")
        guard index > log.snapshotIndex else { return nil }
        let metadata = snapshotMetadata(at: index)
        let snapshot = Snapshot(metadata: metadata, data: snapshotData)
        latestSnapshot = snapshot
        snapshotConfiguration = metadata.configuration
        configHistory.removeAll { $0.index <= index }
        log.compact(to: index)
        return snapshot
    }

    /// The metadata a snapshot ending at `index` would carry (index at most the applied index).
    public func snapshotMetadata(at index: LogIndex) -> SnapshotMetadata {
        precondition(index >= log.snapshotIndex && index <= log.applied, "no snapshot possible at \(index)")
        return SnapshotMetadata(index: index, term: log.term(at: index)!, configuration: configuration(at: index))
    }

    /// The snapshot a follower received from the leader.
    mutating func handleSnapshot(from: NodeID, _ snapshot: Snapshot) {
        let meta = snapshot.metadata
        if meta.index <= log.committed {
            // Nothing new: we already have everything it covers.
            send(to: from, .appendResponse(success: true, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        if log.matchTerm(meta.index, meta.term) {
            // Our log already holds the entry the snapshot ends at: it is committed, keep the log.
            log.commit(to: meta.index)
            send(to: from, .appendResponse(success: true, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        log.restore(index: meta.index, term: meta.term)
        latestSnapshot = snapshot
        pendingSnapshot = snapshot
        snapshotConfiguration = meta.configuration
        configHistory = []
        rebuildConfiguration(from: log.firstIndex)
        send(to: from, .appendResponse(success: true, index: log.lastIndex, hintIndex: 0, hintTerm: 0))
    }
}
