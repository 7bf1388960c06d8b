import ConsensusCore
import ConsensusTesting
import Testing

/// The driver behind `consensus bench` commits and applies exactly what it was asked to, on every
/// node, whatever the batch size. No timing here: benchmarks are commands, not tests.
@Suite struct ThroughputBenchmarkTests {
    @Test(arguments: [1, 7, 64])
    func commitsExactlyTheRequestedEntriesOnAllThreeNodes(batchSize: Int) {
        // 1000 is not a multiple of 7 or 64: the last batch is a short one. A small compaction
        // interval makes the run compact several times.
        var bench = ThroughputBenchmark(.init(entries: 1000, batchSize: batchSize, payloadBytes: 16, compactionInterval: 100))
        let result = bench.run()
        #expect(result.appliedProposals == [1000, 1000, 1000])
        // Index 1 is the leader's no-op entry; the proposals follow it.
        #expect(result.commitIndexes == [1001, 1001, 1001])
        #expect(result.compactions >= 5)
        // Memory stays bounded: a store holds about one interval plus the batches in flight.
        #expect(result.storedEntriesMax <= 100 + 4 * batchSize)
    }
}
