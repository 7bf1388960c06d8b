import ConsensusCore

/// One member of a simulated cluster: the core (absent while crashed), its "disk", and a
/// stand-in state machine that only keeps a digest of what it applied.
struct SimulatedNode: Sendable {
    let id: NodeID
    var raft: Raft?
    var storage: MemoryRaftStorage
    var appliedIndex: LogIndex = 0
    var state: UInt64 = InvariantChecker.initialState
    /// The commit index the checker has seen on this node.
    var knownCommit: LogIndex = 0
    var snapshotIndex: LogIndex = 0
    var restartAt: UInt64?
    /// Stopped for good (removed from the cluster and shut down).
    var retired = false
    var lastRole: Role = .follower

    var isUp: Bool { raft != nil }

    init(id: NodeID, storage: MemoryRaftStorage) {
        self.id = id
        self.storage = storage
    }

    static func encodeSnapshot(index: LogIndex, state: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        for v in [index, state] {
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        return bytes
    }

    static func decodeSnapshot(_ bytes: [UInt8]) -> (index: LogIndex, state: UInt64)? {
        guard bytes.count == 16 else { return nil }
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        return (word(0), word(8))
    }

    /// Starts (or restarts) the core from what is on disk; the state machine restarts from the
    /// snapshot and replays the committed entries after it.
    mutating func boot(options: RaftOptions, seed: UInt64) {
        let persisted = storage.persistentState
        raft = Raft(id: id, options: options, storage: persisted, random: SplitMix64(seed: seed))
        let meta = persisted.snapshot.metadata
        if let decoded = Self.decodeSnapshot(persisted.snapshot.data) {
            appliedIndex = decoded.index
            state = decoded.state
        } else {
            appliedIndex = meta.index
            state = InvariantChecker.initialState
        }
        snapshotIndex = meta.index
        knownCommit = meta.index
        lastRole = .follower
        restartAt = nil
    }
}
