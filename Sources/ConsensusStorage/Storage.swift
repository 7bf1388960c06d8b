import ConsensusCore

/// Where a node keeps what must survive a crash: hard state, log entries and snapshots.
///
/// The runtime calls these from one task at a time. `persist` must not return before what it
/// wrote is durable (for a file store: fsync), because the node acknowledges and votes right
/// after it returns.
public protocol Storage: AnyObject, Sendable {
    /// Whether the store holds any state yet. A node with an empty store bootstraps or joins;
    /// one with state restarts from it.
    func hasState() throws -> Bool

    /// Everything a restarting node needs: hard state, latest snapshot, entries after it.
    func load() throws -> PersistentState

    /// Step 1 of a `Ready`: write the snapshot (which replaces the whole log), then the entries
    /// (each replaces any stored entry with the same or a higher index), then the hard state,
    /// durably.
    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?) throws

    /// ``persist(hardState:entries:snapshot:)``, except that with `mustSync` false (a hard state
    /// whose commit index alone moved: see `Ready.mustSync`) the store may return before the write
    /// is durable. It must keep the order of writes: a later synced write makes this one durable
    /// too. The default always syncs.
    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool) throws

    /// Stores a snapshot the application took of its own state and drops the entries it covers.
    func saveSnapshot(_ snapshot: Snapshot) throws

    /// Whether a write can block its thread (a file store's fsync). The runtime performs
    /// blocking writes on a thread pool, never on Swift's cooperative pool; others in place.
    var writesBlock: Bool { get }

    /// Whether a write with `mustSync` false that holds nothing but a hard state never blocks: the
    /// store only buffers it, in memory, until its next synced write. The runtime then performs it
    /// in place, when no other write is queued or running, instead of handing it to its writer
    /// thread and waiting for the hop back (one round trip per commit, on the write path).
    var buffersUnsyncedHardState: Bool { get }
}

extension Storage {
    /// Writes block unless a store says otherwise.
    public var writesBlock: Bool { true }

    /// No store buffers unless it says so.
    public var buffersUnsyncedHardState: Bool { false }

    /// Always syncs.
    public func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool) throws {
        try persist(hardState: hardState, entries: entries, snapshot: snapshot)
    }
}

extension Storage {
    /// Performs the persist duty of a `Ready`.
    public func persist(_ rd: Ready) throws {
        if rd.hardState == nil && rd.entries.isEmpty && rd.snapshot == nil { return }
        try persist(hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot, mustSync: rd.mustSync)
    }
}
