import ConsensusCore
import CoreMetrics
import ConsensusNetwork
import ConsensusStorage
import NIOPosix
import Synchronization

/// Performs one member's storage writes in order, one at a time, on a thread of NIO's blocking
/// pool (never on Swift's cooperative pool, which a blocking fsync would starve). Each finished
/// write is reported back to the shell.
final class StorageWriter: Sendable {
    enum Job: Sendable {
        case persist(PersistBatch)
        case saveSnapshot(Snapshot)
    }

    enum Outcome: Sendable {
        case persisted
        case snapshotSaved
        case failed(String)
    }

    private let storage: any Storage
    private let metrics: NodeMetrics
    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let task = TaskBox()
    /// Jobs submitted and not yet done (done: their storage call returned).
    private let pending = JobCount()

    init(storage: any Storage, metrics: NodeMetrics) {
        self.storage = storage
        self.metrics = metrics
        (jobs, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Starts writing; `report` hears the outcome of every job, in order. After a failure the
    /// remaining jobs are skipped (the member halts).
    func start(report: @escaping @Sendable (Outcome) async -> Void) {
        let jobs = self.jobs, storage = self.storage, metrics = self.metrics, pending = self.pending
        task.set(RuntimeExecutor.spawn {
            var failed = false
            for await job in jobs where !failed {
                let outcome: Outcome
                do {
                    switch job {
                    case .persist(let b):
                        // Timed on the real clock: this measures the disk (a metric), it decides nothing.
                        let took = try await Self.run {
                            try ContinuousClock().measure {
                                try storage.persist(hardState: b.hardState, entries: b.entries, snapshot: b.snapshot, mustSync: b.mustSync)
                            }
                        }
                        if b.mustSync { metrics.storageWrite(took) }
                        outcome = .persisted
                    case .saveSnapshot(let s):
                        try await Self.run { try storage.saveSnapshot(s) }
                        outcome = .snapshotSaved
                    }
                } catch {
                    failed = true
                    let what: String
                    if case .saveSnapshot = job { what = "cannot save a snapshot" } else { what = "cannot persist" }
                    outcome = .failed("\(what): \(error); the node stopped")
                }
                // Done before it is reported: what the report sets off may write in place.
                pending.value.subtract(1, ordering: .releasing)
                await report(outcome)
            }
        })
    }

    /// Queues a write. (The machine keeps at most one persist in flight, so the queue holds at
    /// most that one and the snapshots taken meanwhile.)
    func submit(_ job: Job) {
        pending.value.add(1, ordering: .releasing)
        continuation.yield(job)
    }

    /// Whether no job is queued or running, so that a write performed elsewhere now cannot
    /// overtake one (the store sees its writes in the order the machine asked for them).
    var isIdle: Bool { pending.value.load(ordering: .acquiring) == 0 }

    /// Whether `batch` can be written in place on the caller's thread instead of by the writer:
    /// only a hard state the store merely buffers (see ``Storage/buffersUnsyncedHardState``),
    /// and only while the writer is idle. Saves the hop to a pool thread and back on every commit.
    func writesInPlace(_ batch: PersistBatch) -> Bool {
        batch.isUnsyncedHardStateOnly && storage.buffersUnsyncedHardState && isIdle
    }

    /// Stops taking jobs and waits until the queued ones are done.
    func finish() async {
        continuation.finish()
        await task.get()?.value
    }

    /// Runs blocking storage work on NIO's thread pool.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}

/// A count shared by the writer's task and the shell.
private final class JobCount: Sendable {
    let value = Atomic<Int>(0)
}

/// A task handle set once, readable from anywhere.
private final class TaskBox: Sendable {
    private let value = Mutex<Task<Void, Never>?>(nil)
    func set(_ t: Task<Void, Never>) { value.withLock { $0 = t } }
    func get() -> Task<Void, Never>? { value.withLock { $0 } }
}
