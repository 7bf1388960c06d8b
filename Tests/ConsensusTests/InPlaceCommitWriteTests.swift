@testable import Consensus
import ConsensusCore
import ConsensusStorage
import ConsensusTesting
import CoreMetrics
import Synchronization
import Testing

/// A commit index that moved is not synced (etcd's `MustSync`, see `Ready.mustSync`), and a store
/// that only buffers it is written in place rather than through the writer thread: one hop to a
/// pool thread and back less per commit on the write path (issue 15). Writes must still reach the
/// store one at a time and in the order the machine asked for them.
@Suite("Commit-only hard states written in place")
struct InPlaceCommitWriteTests {
    private static let commitOnly = PersistBatch(hardState: HardState(term: 2, vote: 1, commit: 7), entries: [], snapshot: nil, mustSync: false)

    @Test("Only an unsynced hard state, on a store that buffers it, with the writer idle, is written in place")
    func decision() {
        let buffering = RecordingStorage(buffers: true)
        let idle = StorageWriter(storage: buffering, metrics: NodeMetrics(nodeID: "n1", factory: NOOPMetricsHandler.instance))
        #expect(idle.isIdle)
        #expect(idle.writesInPlace(Self.commitOnly))

        var synced = Self.commitOnly
        synced.mustSync = true
        #expect(!idle.writesInPlace(synced))
        var withEntries = Self.commitOnly
        withEntries.entries = [Entry(term: 2, index: 8, data: [1])]
        #expect(!idle.writesInPlace(withEntries))
        var termOnly = Self.commitOnly
        termOnly.hardState = nil
        #expect(!idle.writesInPlace(termOnly))

        // A store that does not say it buffers gets every write through the writer.
        let plain = StorageWriter(storage: RecordingStorage(buffers: false), metrics: NodeMetrics(nodeID: "n1", factory: NOOPMetricsHandler.instance))
        #expect(!plain.writesInPlace(Self.commitOnly))

        // A queued job (this writer was never started, so it stays queued) keeps the in-place
        // write behind it: it would otherwise overtake the queued one.
        let busy = StorageWriter(storage: buffering, metrics: NodeMetrics(nodeID: "n1", factory: NOOPMetricsHandler.instance))
        busy.submit(.persist(PersistBatch(hardState: nil, entries: [Entry(term: 2, index: 8, data: [1])], snapshot: nil)))
        #expect(!busy.isIdle)
        #expect(!busy.writesInPlace(Self.commitOnly))
    }

    @Test("A node on a buffering store writes its commits in place, never beside another write, and recovers everything")
    func singleNodeWrites() async throws {
        try await onDedicatedThread {
            let storage = RecordingStorage(buffers: true)
            let configuration = ConsensusConfiguration.fastRaft(snapshotInterval: 7)
            let node = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: storage)
            try await node.start()
            let deadline = ContinuousClock.now + .seconds(15)
            while await node.leader?.id != node.nodeID, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            for i in 0..<30 { #expect(try await node.propose("key-\(i)", .int(Int64(i)))) }
            await node.stop()

            let seen = storage.seen
            #expect(!seen.overlapped, "two storage calls ran at the same time")
            #expect(seen.inPlace > 0, "no commit-only hard state was written in place")
            #expect(seen.onWriter > 0, "entries must still be written by the writer thread")
            #expect(seen.inPlaceSynced == 0, "a synced write ran in place")

            // Everything the node acknowledged is in the store, with the commit index that moved.
            let restarted = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: storage)
            try await restarted.start()
            let again = ContinuousClock.now + .seconds(15)
            while await restarted.leader?.id != restarted.nodeID, ContinuousClock.now < again {
                try await Task.sleep(for: .milliseconds(10))
            }
            for i in 0..<30 {
                #expect(try await restarted.get("key-\(i)", as: Int.self, consistency: .linearizable) == i)
            }
            await restarted.stop()
        }
    }
}

/// A store in memory that says its writes block (so the runtime uses its writer thread) and, when
/// asked to, that it buffers unsynced hard states. It records where each write ran (in a task:
/// in place; on a pool thread: the writer) and whether two calls ever overlapped.
private final class RecordingStorage: Storage {
    struct Seen {
        var inPlace = 0
        var inPlaceSynced = 0
        var onWriter = 0
        var overlapped = false
    }

    private let inner = MemoryStorage()
    private let buffers: Bool
    private let active = Atomic<Int>(0)
    private let record = Mutex(Seen())

    init(buffers: Bool) { self.buffers = buffers }

    var seen: Seen { record.withLock { $0 } }
    var writesBlock: Bool { true }
    var buffersUnsyncedHardState: Bool { buffers }

    func hasState() throws -> Bool { try inner.hasState() }
    func load() throws -> PersistentState { try inner.load() }

    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?) throws {
        try persist(hardState: hardState, entries: entries, snapshot: snapshot, mustSync: true)
    }

    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool) throws {
        try exclusively(synced: mustSync) { try inner.persist(hardState: hardState, entries: entries, snapshot: snapshot) }
    }

    func saveSnapshot(_ snapshot: Snapshot) throws {
        try exclusively(synced: true) { try inner.saveSnapshot(snapshot) }
    }

    private func exclusively(synced: Bool, _ body: () throws -> Void) throws {
        let inTask = withUnsafeCurrentTask { $0 != nil }
        if active.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue > 1 {
            record.withLock { $0.overlapped = true }
        }
        defer { active.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
        record.withLock {
            if inTask { $0.inPlace += 1 } else { $0.onWriter += 1 }
            if inTask && synced { $0.inPlaceSynced += 1 }
        }
        try body()
    }
}
