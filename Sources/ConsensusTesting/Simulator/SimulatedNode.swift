import Consensus
import ConsensusCore

/// One member of a simulated cluster: the core (absent while crashed), its "disk", the runtime's
/// key-value state machine, and a digest of everything it applied (for the checker).
struct SimulatedNode: Sendable {
    let id: NodeID
    var raft: Raft?
    /// The node's disk: survives crashes, except what a fault destroys.
    var disk: SimulatedDisk
    /// With ``SimulationOptions/fileStorage``: the real FileStorage on a simulated file system,
    /// used instead of `disk`.
    var files: FileDisk?
    /// The disk was found corrupted at a restart: the node refused to start and is lost.
    var lost = false
    /// A fault damaged the disk (found at the next restart).
    var damaged = false
    var appliedIndex: LogIndex = 0
    var state: UInt64 = InvariantChecker.initialState
    /// The replicated key-value store, fed the entries that carry runtime commands.
    var store = KeyValueStore()
    /// ReadIndex answers waiting for this node to apply their index: (context, index).
    var pendingReads: [(context: UInt64, index: LogIndex)] = []
    /// The commit index the checker has seen on this node.
    var knownCommit: LogIndex = 0
    var snapshotIndex: LogIndex = 0
    var restartAt: UInt64?
    /// Stopped for good (removed from the cluster and shut down).
    var retired = false
    var lastRole: Role = .follower
    /// The store time this node stamps on commands while it leads (see `Simulation.stamp`).
    var leaderClock = LeaderClock(millisecondsPerTick: 1)
    /// This node's wall clock runs at `now + wallOffset` ticks; clock faults step it.
    var wallOffset: Int64 = 0
    /// With ``StoreClockSource/wallClock``: the last stamp, kept monotonic like the first runtime did.
    var lastWallStamp: Int64 = 0

    var isUp: Bool { raft != nil }

    init(id: NodeID, storage: PersistentState) {
        self.id = id
        self.disk = SimulatedDisk(storage)
    }

    /// Snapshot bytes: the applied index and digest (16 bytes), then the store's own snapshot.
    static func encodeSnapshot(index: LogIndex, state: UInt64, store: KeyValueStore) -> [UInt8] {
        var w = LittleEndian.Writer()
        w.u64(index)
        w.u64(state)
        // The store always encodes; a failure here is a bug worth crashing on.
        return w.bytes + (try! CommandCodec.encodeSnapshot(store, compressAbove: 512))
    }

    static func decodeSnapshot(_ bytes: [UInt8]) -> (index: LogIndex, state: UInt64, store: KeyValueStore)? {
        var r = LittleEndian.Reader(bytes)
        guard let index = try? r.u64(), let state = try? r.u64(), !r.isAtEnd,
              let store = try? CommandCodec.decodeSnapshot(Array(bytes[r.position...])) else { return nil }
        return (index, state, store)
    }

    /// Applies a committed entry to the store: commands are applied, anything else skipped.
    /// Returns the command and its result when the entry carried one.
    mutating func applyToStore(_ e: Entry) -> (Command, OperationResult)? {
        if e.kind == .normal, let format = e.data.first, format <= CommandCodec.Format.deflateBinary.rawValue, let command = try? CommandCodec.decode(e.data) {
            return (command, store.apply(command, at: e.index).result)
        }
        store.skip(at: e.index)
        return nil
    }

    /// Starts (or restarts) the core from what is on disk; the state machine restarts from the
    /// snapshot and replays the committed entries after it.
    /// Throws when the disk is corrupted: the node refuses to start.
    mutating func boot(options: RaftOptions, seed: UInt64) throws(SimulatedDisk.Corruption) {
        let persisted: PersistentState
        do {
            persisted = files != nil ? try files!.open() : try disk.replay().persistentState
        } catch let c as SimulatedDisk.Corruption {
            throw c
        } catch {
            throw SimulatedDisk.Corruption(position: -1, reason: "\(error)")
        }
        raft = Raft(id: id, options: options, storage: persisted, random: SplitMix64(seed: seed))
        let meta = persisted.snapshot.metadata
        if let decoded = Self.decodeSnapshot(persisted.snapshot.data) {
            appliedIndex = decoded.index
            state = decoded.state
            store = decoded.store
        } else {
            appliedIndex = meta.index
            state = InvariantChecker.initialState
            store = KeyValueStore()
        }
        pendingReads = []
        snapshotIndex = meta.index
        knownCommit = meta.index
        lastRole = .follower
        leaderClock = LeaderClock(millisecondsPerTick: 1)
        lastWallStamp = 0
        restartAt = nil
    }
}
