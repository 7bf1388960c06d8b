import ArgumentParser
import ConsensusTesting
import Foundation

/// `consensus bench`: committed entries per second through three in-memory Raft cores driven in
/// one thread (see ``ThroughputBenchmark``). It measures the core alone: no disk, no network.
///
/// `consensus bench --wal`: the write-ahead log instead, against the raw write+fsync rate of the
/// same disk (see ``WALBenchmark``).
///
/// `consensus bench http`: requests per second and latency through the HTTP API of a cluster
/// of node processes (see ``BenchHTTPCommand``).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure committed entries per second through three in-memory Raft cores.",
        discussion: """
            Elects node 1, then proposes batches at the leader and drives every node's Ready \
            (persist in memory, deliver messages, apply) until the requested number of entries is \
            committed and applied on all three nodes. Without --batch it runs batch sizes 1 and 64. \
            Build in release mode for meaningful figures: swift run -c release consensus bench

            With --wal it measures the disk instead: the raw write+fdatasync rate of 64-byte \
            blocks, then FileStorage persists (one fdatasync per batch) with batches of 1, 16 \
            and 256 entries (or --batch), each followed by the raw rate at the same bytes per \
            sync, each for --seconds, in a fresh directory under --dir that is removed afterwards.

            'consensus bench http' loads the HTTP API of a cluster instead (see its --help).
            """,
        subcommands: [BenchHTTPCommand.self]
    )

    @Option(name: .long, help: "Proposals per append at the leader (repeatable). Default: 1 and 64.")
    var batch: [Int] = []

    @Option(name: .long, help: "Entries to commit and apply on every node, per run.")
    var entries: Int = 1_000_000

    @Option(name: .customLong("payload-bytes"), help: "Bytes of each proposal's payload (default: 16; with --wal, 64 per block and entry).")
    var payloadBytesOption: Int?

    var payloadBytes: Int { payloadBytesOption ?? (wal ? 64 : 16) }

    @Option(name: .long, help: "Runs per batch size; each run is reported.")
    var runs: Int = 1

    @Flag(name: .long, help: "Measure the write-ahead log (FileStorage) against the raw fsync rate instead.")
    var wal = false

    @Option(name: .long, help: "With --wal: where to create the temporary data directory (default: the system temporary directory).")
    var dir: String?

    @Option(name: .long, help: "With --wal: seconds per measurement.")
    var seconds: Double = 3

    func validate() throws {
        if wal {
            if !(seconds > 0) { throw ValidationError("seconds must be positive (got \(seconds))") }
            if batch.contains(where: { $0 < 1 }) { throw ValidationError("batch sizes must be at least 1 (got \(batch))") }
            if runs < 1 { throw ValidationError("runs must be at least 1 (got \(runs))") }
            if payloadBytes < 1 { throw ValidationError("payload-bytes must be at least 1 (got \(payloadBytes))") }
            return
        }
        let probe = ThroughputBenchmark.Parameters(entries: entries, batchSize: batch.min() ?? 1, payloadBytes: payloadBytes)
        if let problem = probe.validationError() { throw ValidationError(problem) }
        if runs < 1 { throw ValidationError("runs must be at least 1 (got \(runs))") }
    }

    func run() throws {
        if wal { return try runWAL() }
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

    private func runWAL() throws {
        var parent = dir ?? NSTemporaryDirectory()
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        let sizes = batch.isEmpty ? [1, 16, 256] : batch
        let bytes = payloadBytes
        print("write-ahead log: \(bytes)-byte blocks and entries, \(format(seconds)) s per measurement")
        for n in 1...runs {
            if runs > 1 { print("run \(n)") }
            let bench = WALBenchmark(.init(parent: parent, seconds: seconds, batchSizes: sizes, payloadBytes: bytes))
            let result = try bench.run { print("  " + $0) }
            let raw = result.rawSyncsPerSecond
            print("  raw fsync rate (mean of before and after): \(WALBenchmark.rate(raw)) syncs/s")
            for (size, rate, same) in result.wal {
                let share = rate.entriesPerSecond / (raw * Double(size)) * 100
                let shareSameBytes = rate.syncsPerSecond / same.syncsPerSecond * 100
                print("  batch \(pad(size, 3)): \(pad(Int(rate.entriesPerSecond.rounded()), 9)) entries/s, "
                      + "\(pad(Int(rate.syncsPerSecond.rounded()), 6)) batches/s, "
                      + "\(Int(share.rounded()))% of raw fsync rate x \(size), "
                      + "\(Int(shareSameBytes.rounded()))% of raw rate at \(rate.bytesPerSync) bytes per sync")
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
