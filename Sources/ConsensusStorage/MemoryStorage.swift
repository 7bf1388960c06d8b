import ConsensusCore
import Synchronization

/// A `Storage` in memory: nothing survives the process, but everything survives a restart of the
/// node inside it (tests, embedded demos, the REPL's in-process cluster).
public final class MemoryStorage: Storage {
    private let state: Mutex<(log: MemoryRaftStorage, written: Bool)>

    /// An empty store.
    public init() {
        state = Mutex((MemoryRaftStorage(.empty), false))
    }

    /// A store that already holds `initial` (for example `.bootstrap(voters:)`).
    public init(_ initial: PersistentState) {
        state = Mutex((MemoryRaftStorage(initial), true))
    }

    /// Memory writes never block: the runtime performs them in place.
    public var writesBlock: Bool { false }

    public func hasState() throws -> Bool { state.withLock { $0.written } }

    public func load() throws -> PersistentState { state.withLock { $0.log.persistentState } }

    public func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?) throws {
        state.withLock {
            $0.log.persist(hardState: hardState, entries: entries, snapshot: snapshot)
            $0.written = true
        }
    }

    public func saveSnapshot(_ snapshot: Snapshot) throws {
        state.withLock {
            $0.log.compact(snapshot)
            $0.written = true
        }
    }
}
