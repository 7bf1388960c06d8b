import Consensus
@_exported import ConsensusTesting
import Testing

// `ConsensusConfiguration.fastRaft()` and `withCluster` live in ConsensusTesting, re-exported
// here for every file of this test target.
