// The simulator and the test harnesses keep node state in `MemoryRaftStorage`; re-export it so
// that tests importing ConsensusTesting see it.
@_exported import ConsensusStorage
@_exported import ConsensusNetwork
