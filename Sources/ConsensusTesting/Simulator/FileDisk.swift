import ConsensusCore
import ConsensusStorage

/// A node's real `FileStorage` on its own `SimulatedFileSystem`, for runs with
/// ``SimulationOptions/fileStorage``: the WAL, its recovery and its compaction run as in
/// production, while crashes lose unsynced writes (keeping a torn prefix, by seed) and faults
/// flip bits or misdirect writes in what was synced.
struct FileDisk: Sendable {
    let fileSystem = SimulatedFileSystem()
    let directory: String
    private(set) var storage: FileStorage?

    /// A fresh directory holding `initial` (what a new member writes on its first start).
    init(directory: String, initial: PersistentState) {
        self.directory = directory
        // A new, empty simulated disk cannot fail to open or take the first write.
        storage = try! FileStorage(directory: directory, segmentBytesMax: Self.segmentBytesMax, fileSystem: fileSystem)
        try! storage!.persist(hardState: initial.hardState, entries: [], snapshot: initial.snapshot)
    }

    /// Small segments, so that rollover and segment deletion happen often.
    static let segmentBytesMax = 2048

    /// Opens the directory as a restarting node does; throws what recovery refuses.
    mutating func open() throws -> PersistentState {
        storage?.close()
        storage = try FileStorage(directory: directory, segmentBytesMax: Self.segmentBytesMax, fileSystem: fileSystem)
        return try storage!.load()
    }

    func persist(_ rd: Ready) throws { try storage?.persist(rd) }

    func compact(_ s: Snapshot) throws { try storage?.saveSnapshot(s) }

    /// The power fails during the next sync (the batch being written is not acknowledged).
    func cutPowerAtNextSync() { fileSystem.failSync(after: 0) }

    /// The process dies and the power comes back: unsynced writes are lost or torn.
    mutating func crash(_ rng: inout SplitMix64) -> [String] {
        storage = nil
        return fileSystem.crash(using: &rng)
    }

    /// Damages synced data: a bit flip or a misdirected write. Returns what was hit.
    func damage(_ rng: inout SplitMix64, flip: Bool) -> String? {
        flip ? fileSystem.flipBit(using: &rng) : fileSystem.misdirectWrite(using: &rng)
    }
}
