import ConsensusCore
import ConsensusTesting
import Testing

/// The simulator's own promises: one seed, one run; a failure says how to replay it.
@Suite("Simulator determinism")
struct SimulatorDeterminismTests {
    func trace(seed: UInt64, nodes: Int) throws -> (SimulationSummary, [String]) {
        var options = SimulationOptions(seed: seed, nodes: nodes, steps: 300)
        options.traceLimit = 100_000
        var sim = Simulation(options)
        let summary = try sim.run()
        return (summary, sim.trace.lines)
    }

    @Test("The same seed twice gives an identical trace", arguments: [UInt64(7), 42, 100_003])
    func sameSeedSameTrace(seed: UInt64) throws {
        let (a, linesA) = try trace(seed: seed, nodes: 5)
        let (b, linesB) = try trace(seed: seed, nodes: 5)
        #expect(linesA == linesB)
        #expect(a == b)
        #expect(a.traceLines > 3)
    }

    @Test("Different seeds give different runs")
    func differentSeeds() throws {
        let (a, _) = try trace(seed: 1, nodes: 3)
        let (b, _) = try trace(seed: 2, nodes: 3)
        #expect(a.traceDigest != b.traceDigest)
    }

    @Test("A run elects leaders and commits under its faults")
    func runMakesProgress() throws {
        let (summary, lines) = try trace(seed: 3, nodes: 3)
        #expect(summary.elections >= 1)
        #expect(summary.committed > 10)
        #expect(lines.contains { $0.contains("becomes leader") })
        #expect(lines.last?.contains("liveness") == true)
    }

    @Test("A liveness failure names the seed and how to replay it")
    func failureReport() {
        // A cluster that can never elect: every message is lost, even after the faults stop is
        // not enough because the liveness budget is zero ticks.
        var options = SimulationOptions(seed: 9, nodes: 3, steps: 10)
        options.livenessTicks = 0
        var sim = Simulation(options)
        #expect(throws: SimulationFailure.self) { _ = try sim.run() }
        let failure = Simulation.runShrinking(options)
        #expect(failure?.property == "liveness")
        #expect(failure?.description.contains("consensus sim --seed 9 --nodes 3") == true)
        // Shrinking finds the shortest failing run: zero fault ticks.
        #expect(failure?.steps == 0)
    }
}
