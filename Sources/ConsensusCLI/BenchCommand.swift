import ArgumentParser
import ConsensusTesting

/// `consensus bench`: committed entries per second through three in-memory Raft cores driven in
/// one thread (see ``ThroughputBenchmark``). It measures the core alone: no disk, no network.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure committed entries per second through three in-memory Raft cores.",
        discussion: """
            Elects node 1, then proposes batches at the leader and drives every node's Ready \
            (persist in memory, deliver messages, apply) until the requested number of entries is \
            committed and applied on all three nodes. Without --batch it runs batch sizes 1 and 64. \
            Build in release mode for meaningful figures: swift run -c release consensus bench
            """
    )

    @Option(name: .long, help: "Proposals per append at the leader (repeatable). Default: 1 and 64.")
    var batch: [Int] = []

    @Option(name: .long, help: "Entries to commit and apply on every node, per run.")
    var entries: Int = 1_000_000

    @Option(name: .customLong("payload-bytes"), help: "Bytes of each proposal's payload.")
    var payloadBytes: Int = 16

    @Option(name: .long, help: "Runs per batch size; each run is reported.")
    var runs: Int = 1

    func validate() throws {
        let probe = ThroughputBenchmark.Parameters(entries: entries, batchSize: batch.min() ?? 1, payloadBytes: payloadBytes)
        if let problem = probe.validationError() { throw ValidationError(problem) }
        if runs < 1 { throw ValidationError("runs must be at least 1 (got \(runs))") }
    }

    func run() throws {
        let sizes = batch.isEmpty ? [1, 64] : batch
        print("three in-memory nodes, \(entries) entries of \(payloadBytes) bytes per run")
        for size in sizes {
            for _ in 0..<runs {
                var bench = ThroughputBenchmark(.init(entries: entries, batchSize: size, payloadBytes: payloadBytes))
                let clock = ContinuousClock()
                let start = clock.now
                let result = bench.run()
                let elapsed = clock.now - start
                guard result.appliedProposals.allSatisfy({ $0 == entries }) else {
                    throw ValidationError("benchmark ended with \(result.appliedProposals) entries applied")
                }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                let rate = Double(entries) / seconds
                print("batch \(pad(size, 3)): \(pad(Int(rate.rounded()), 10)) entries/s  "
                      + "(\(format(seconds)) s, \(result.rounds) rounds, \(result.messages) messages)")
            }
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

    private func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let frac = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}
