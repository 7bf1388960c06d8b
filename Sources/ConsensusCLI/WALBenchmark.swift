import ConsensusCore
import ConsensusStorage
import Foundation
import Glibc

/// `consensus bench --wal`: how close ``FileStorage`` gets to the disk's own limit.
///
/// 1. **Raw rate**: append a 64-byte block to a plain file and `fdatasync` it, over and over, for
///    a fixed time. Syncs per second is what the disk allows; no log can acknowledge batches
///    faster than that.
/// 2. **WAL rate**: `FileStorage.persist(hardState:entries:snapshot:)` with B entries and a new
///    hard state per call (one `fdatasync` per call, group commit), for B = 1, 16, 256.
/// 3. **Raw rate with the same bytes per sync** as the WAL wrote per batch (entries, framing
///    and hard state), right after each WAL measurement: what the disk allows for that much
///    data per sync, which is less than for 64 bytes once a batch reaches kilobytes.
/// 4. **Raw rate again**, so that drift of the disk during the run shows.
///
/// Each WAL figure is compared with the mean 64-byte raw rate times B (the target) and
/// with the same-bytes raw rate times B (the share of what the disk allows for that much data).
/// Everything runs in a fresh directory that is removed at the end.
struct WALBenchmark {
    struct Parameters {
        /// A fresh directory is created inside this one (and removed at the end).
        var parent: String
        /// How long each measurement runs.
        var seconds: Double
        var batchSizes: [Int]
        var payloadBytes: Int
    }

    /// One measurement: how many syncs (persist calls) and entries in how long.
    struct Rate {
        var syncs: Int
        var entries: Int
        var seconds: Double
        /// Bytes written per sync.
        var bytesPerSync: Int
        var syncsPerSecond: Double { Double(syncs) / seconds }
        var entriesPerSecond: Double { Double(entries) / seconds }
    }

    struct Result {
        var rawBefore: Rate
        var rawAfter: Rate
        var wal: [(batch: Int, rate: Rate, rawSameBytes: Rate)]
        var rawSyncsPerSecond: Double { (rawBefore.syncsPerSecond + rawAfter.syncsPerSecond) / 2 }
    }

    let parameters: Parameters

    init(_ parameters: Parameters) {
        precondition(parameters.seconds > 0 && parameters.payloadBytes > 0 && parameters.batchSizes.allSatisfy { $0 > 0 })
        self.parameters = parameters
    }

    /// Runs the three steps in a fresh directory under ``Parameters/parent``, calling `report`
    /// with a line as each measurement finishes; removes the directory whatever happens.
    func run(report: (String) -> Void) throws -> Result {
        let directory = try Self.makeFreshDirectory(in: parameters.parent)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        report("directory \(directory) on \(Self.describeFilesystem(of: directory))")

        let rawBefore = try measureRawSync(path: directory + "/raw-before", bytes: parameters.payloadBytes)
        report("raw write+fdatasync of \(parameters.payloadBytes) bytes: \(Self.rate(rawBefore.syncsPerSecond)) syncs/s")
        var wal: [(batch: Int, rate: Rate, rawSameBytes: Rate)] = []
        for batch in parameters.batchSizes {
            let rate = try measureFileStorage(batch: batch, directory: directory + "/wal-\(batch)")
            report("FileStorage batch \(batch): \(Self.rate(rate.entriesPerSecond)) entries/s, \(Self.rate(rate.syncsPerSecond)) batches/s, \(rate.bytesPerSync) WAL bytes per batch")
            let same = try measureRawSync(path: directory + "/raw-\(batch)", bytes: rate.bytesPerSync)
            report("raw write+fdatasync of \(rate.bytesPerSync) bytes: \(Self.rate(same.syncsPerSecond)) syncs/s")
            wal.append((batch, rate, same))
        }
        let rawAfter = try measureRawSync(path: directory + "/raw-after", bytes: parameters.payloadBytes)
        report("raw write+fdatasync again: \(Self.rate(rawAfter.syncsPerSecond)) syncs/s")
        return Result(rawBefore: rawBefore, rawAfter: rawAfter, wal: wal)
    }

    // MARK: - Measurements

    /// Appends `bytes` to a new file and `fdatasync`s it after each write, for `seconds`.
    private func measureRawSync(path: String, bytes: Int) throws -> Rate {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("open \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(fd) }
        let block = [UInt8](repeating: 0xA5, count: bytes)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(parameters.seconds)
        var syncs = 0
        while clock.now < deadline {
            let written = block.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            guard written == block.count else { throw Failure("write \(path): \(String(cString: strerror(errno)))") }
            guard fdatasync(fd) == 0 else { throw Failure("fdatasync \(path): \(String(cString: strerror(errno)))") }
            syncs += 1
        }
        return Rate(syncs: syncs, entries: syncs, seconds: Self.seconds(clock.now - start), bytesPerSync: bytes)
    }

    /// Persists batches of `batch` entries plus a hard state into a new ``FileStorage``, for
    /// `seconds`. The entries are built before the clock starts; only `persist` is timed.
    private func measureFileStorage(batch: Int, directory: String) throws -> Rate {
        let storage = try FileStorage(directory: directory)
        defer { storage.close() }
        let baseline = try Self.bytesInFiles(directory + "/wal")
        let payload = [UInt8](repeating: 0x5A, count: parameters.payloadBytes)
        var entries = (1...batch).map { Entry(term: 1, index: LogIndex($0), data: payload) }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .seconds(parameters.seconds)
        var syncs = 0
        var last: LogIndex = 0
        while clock.now < deadline {
            try storage.persist(hardState: HardState(term: 1, vote: 1, commit: last), entries: entries, snapshot: nil)
            last += LogIndex(batch)
            syncs += 1
            for i in entries.indices { entries[i].index += LogIndex(batch) }
        }
        let elapsed = Self.seconds(clock.now - start)
        // What the WAL wrote per batch: its segments' size, less the first segment's header
        // (written before the clock started), divided by the batches. Roll-overs add a header
        // per 64 MB, which is negligible.
        let walBytes = try Self.bytesInFiles(directory + "/wal")
        return Rate(syncs: syncs, entries: syncs * batch, seconds: elapsed, bytesPerSync: max(1, (walBytes - baseline) / max(1, syncs)))
    }

    // MARK: - Helpers

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private static func bytesInFiles(_ directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).reduce(0) { total, name in
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            return total + ((attributes[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    private static func makeFreshDirectory(in parent: String) throws -> String {
        var template = Array((parent + "/consensus-walbench-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw Failure("cannot create a directory in \(parent): \(String(cString: strerror(errno)))")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The device and filesystem holding `path`, from the longest matching mount point in
    /// /proc/mounts (e.g. "/dev/vda (ext4, mounted on /)").
    static func describeFilesystem(of path: String) -> String {
        var resolved = path
        if let real = realpath(path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "an unknown filesystem" }
        var best: (device: Substring, mountPoint: Substring, type: Substring)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let mountPoint = fields[1]
            let covers = mountPoint == "/" || resolved == mountPoint || resolved.hasPrefix(mountPoint + "/")
            if covers && mountPoint.count >= (best?.mountPoint.count ?? 0) {
                best = (fields[0], mountPoint, fields[2])
            }
        }
        guard let best else { return "an unknown filesystem" }
        return "\(best.device) (\(best.type), mounted on \(best.mountPoint))"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// A rate rounded to a whole number, with thousands separators.
    static func rate(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
