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
}
