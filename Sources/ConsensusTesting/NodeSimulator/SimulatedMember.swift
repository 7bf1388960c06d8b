import Consensus
import ConsensusCore
import ConsensusStorage

/// One member of a ``NodeSimulation``: its ``NodeStateMachine`` (absent while crashed) and its
/// disk, which keeps only what was persisted before the crash.
struct SimulatedMember: Sendable {
    let name: String
    var machine: NodeStateMachine?
    var disk: MemoryRaftStorage?
    /// A persist the member asked for that has not reached the disk yet.
    var unsynced: PersistBatch?
    var restartAt: UInt64?
    /// The commit index the invariant checker has seen on this member.
    var knownCommit: LogIndex = 0
    var boots: UInt64 = 0

    var isUp: Bool { machine != nil }
    var id: NodeID { NodeInfo.numericID(name) }

    /// Writes the pending batch to the disk (created on the first write). Returns the batch
    /// written, `nil` when none was pending; the caller then feeds ``NodeInput/persisted``.
    @discardableResult
    mutating func writeUnsynced() -> PersistBatch? {
        guard let batch = unsynced else { return nil }
        unsynced = nil
        if disk == nil { disk = MemoryRaftStorage(.empty) }
        disk!.persist(hardState: batch.hardState, entries: batch.entries, snapshot: batch.snapshot)
        return batch
    }

    /// What a restart of this member loads: its disk under raft, nothing under simple_majority
    /// (which keeps no state across restarts).
    func restoredState(_ mechanism: ConsensusConfiguration.Mechanism) -> PersistentState? {
        mechanism == .raft ? disk?.persistentState : nil
    }
}
