import ArgumentParser
import ConsensusCore
import ConsensusStorage
import Glibc

/// `consensus storage-crash-child --dir D` (hidden): the child process of the storage crash
/// test. It appends entries to a ``FileStorage`` in batches, forever, and prints `ack N` after
/// each `persist` returns (N: the last durable index); the test kills it with SIGKILL at random
/// moments and checks that every acknowledged entry survives.
///
/// On start it prints `ready N`, N being the last index it recovered. Entry `i` carries
/// ``payload(_:)``, so that the test can check contents as well as indexes. Every
/// `--snapshot-every` entries it saves a snapshot, so that crashes also strike compaction.
struct StorageCrashChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage-crash-child",
        abstract: "Append entries to a FileStorage and acknowledge each durable batch (crash-test child).",
        shouldDisplay: false
    )

    @Option(help: "The data directory.")
    var dir: String

    @Option(help: "Seed of the batch sizes.")
    var seed: UInt64 = 1

    @Option(name: .customLong("batch-max"), help: "The largest batch of entries per persist.")
    var batchMax: Int = 16

    @Option(name: .customLong("segment-bytes"), help: "segmentBytesMax of the WAL.")
    var segmentBytes: Int = 16 * 1024

    @Option(name: .customLong("snapshot-every"), help: "Save a snapshot every this many entries (0: never).")
    var snapshotEvery: Int = 200

    @Option(help: "Stop after this many acknowledged batches (default: run until killed).")
    var batches: Int?

    /// What entry `index` carries: its index in text, then `index % 200` bytes of `index % 251`.
    static func payload(_ index: LogIndex) -> [UInt8] {
        Array("entry \(index);".utf8) + [UInt8](repeating: UInt8(index % 251), count: Int(index % 200))
    }

    func run() throws {
        let storage: FileStorage
        do {
            storage = try FileStorage(directory: dir, segmentBytesMax: segmentBytes)
        } catch {
            let message = "storage-crash-child: \(error)\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            throw ExitCode(2)
        }
        let state = try storage.hasState() ? try storage.load() : .empty
        var last = state.entries.last?.index ?? state.snapshot.metadata.index
        var snapshotIndex = state.snapshot.metadata.index
        var random = SplitMix64(seed: seed &+ last)
        say("ready \(last)")
        var acknowledged = 0
        while batches.map({ acknowledged < $0 }) ?? true {
            let n = LogIndex.random(in: 1...LogIndex(batchMax), using: &random)
            let batch = (last + 1...last + n).map { Entry(term: 1, index: $0, data: Self.payload($0)) }
            try storage.persist(hardState: HardState(term: 1, vote: 1, commit: last + n), entries: batch, snapshot: nil)
            last += n
            say("ack \(last)")
            acknowledged += 1
            if snapshotEvery > 0 && last - snapshotIndex >= LogIndex(snapshotEvery) {
                let metadata = SnapshotMetadata(index: last, term: 1, configuration: Configuration(voters: [1]))
                try storage.saveSnapshot(Snapshot(metadata: metadata, data: Self.payload(last)))
                snapshotIndex = last
            }
        }
        storage.close()
    }

    /// Writes a line to stdout at once (no buffering: the test reads it while we run).
    private func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(1, $0.baseAddress!, $0.count) }
            if n <= 0 { if errno == EINTR { continue }; return }
            done += n
        }
    }
}
