import ConsensusCore

/// A node's persisted state as a value (used by `MemoryStorage`, the simulator and tests): the
/// hard state, the latest snapshot and the entries after it. It performs the persist duty of a
/// ``Ready``.
public struct MemoryRaftStorage: Sendable {
    public private(set) var hardState: HardState
    public private(set) var snapshot: Snapshot
    public private(set) var entries: [Entry]

    public init(_ state: PersistentState) {
        hardState = state.hardState
        snapshot = state.snapshot
        entries = state.entries
    }

    /// A founding member of a cluster of `voters`.
    public init(bootstrap voters: Set<NodeID>) { self.init(.bootstrap(voters: voters)) }

    /// What a restarted node reads back.
    public var persistentState: PersistentState {
        PersistentState(hardState: hardState, snapshot: snapshot, entries: entries)
    }

    public var lastIndex: LogIndex { entries.last?.index ?? snapshot.metadata.index }

    /// Step 1 of a ``Ready``: write the snapshot, the entries and the hard state.
    public mutating func persist(_ rd: Ready) {
        persist(hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot)
    }

    /// Writes the snapshot (which replaces the whole log), then the entries (replacing any
    /// suffix they overlap), then the hard state.
    public mutating func persist(hardState: HardState?, entries new: [Entry], snapshot s: Snapshot?) {
        if let s {
            // A snapshot from the leader replaces the whole log.
            snapshot = s
            entries = []
        }
        if let first = new.first {
            let base = snapshot.metadata.index
            precondition(first.index > base && first.index <= lastIndex + 1, "persisting \(first.index) leaves a gap after \(lastIndex)")
            entries.removeSubrange(Int(first.index - base - 1)...)
            entries.append(contentsOf: new)
        }
        if let hs = hardState { self.hardState = hs }
    }

    /// Stores a snapshot taken by the application and drops the entries it covers.
    public mutating func compact(_ s: Snapshot) {
        guard s.metadata.index > snapshot.metadata.index else { return }
        entries.removeAll { $0.index <= s.metadata.index }
        snapshot = s
    }
}
