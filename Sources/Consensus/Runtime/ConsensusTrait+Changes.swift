/// A watch from a revision: the retained changes at or after it, then every later change as
/// it is applied. The live stream ends when its reader falls more than
/// `limits.eventBufferMax` changes behind (never a silent gap), or when the member stops.
public struct ChangeFeed: Sendable {
    /// Changes already applied, at or after the revision asked for, in order.
    public var replay: [KeyChange]
    /// Changes applied from now on, in order, each once.
    public var live: AsyncStream<KeyChange>
}

/// A watch asked for a revision older than the changes this member still holds.
public struct ChangesCompacted: Error, Sendable, Hashable, CustomStringConvertible {
    /// The oldest revision a watch can start from now.
    public var firstRetained: UInt64
    public var description: String {
        "changes before revision \(firstRetained) are no longer kept (limits.changeHistoryMax, or a snapshot)"
    }
}

extension ConsensusTrait {
    /// Watches the changes of user keys (raft), from `revision` (or from now, when `nil`).
    ///
    /// The replay and the live stream meet exactly: both are read in one turn of the member,
    /// so no change is missed or shown twice. With simple_majority there is no log and so no
    /// revision: use ``subscribe(_:)`` or ``events``.
    /// - Parameter revision: the first revision to show; at most the applied index + 1.
    /// - Returns: the feed, or ``ChangesCompacted`` when changes from `revision` on are no
    ///   longer all held.
    public func changes(fromRevision revision: UInt64? = nil) -> Result<ChangeFeed, ChangesCompacted> {
        let replay: [KeyChange]
        if let revision {
            guard let held = machine.history.since(revision: revision) else {
                return .failure(ChangesCompacted(firstRetained: machine.history.firstRetained))
            }
            replay = held
        } else {
            replay = []
        }
        return .success(ChangeFeed(replay: replay, live: hub.changes()))
    }

    /// Hands the changes recorded since the last call to the watchers. (After a restart the
    /// member applies its log again: changes at revisions already published are not repeated.)
    func publishChanges() {
        let history = machine.history
        guard history.recorded != publishedChanges else { return }
        let fresh = history.recorded(after: publishedChanges).filter { $0.revision > publishedRevision }
        publishedChanges = history.recorded
        guard let last = fresh.last else { return }
        hub.publish(fresh)
        publishedRevision = last.revision
    }
}
