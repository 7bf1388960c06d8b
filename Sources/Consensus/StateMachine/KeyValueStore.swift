/// The replicated key-value state machine: deterministic, applied in log order.
///
/// Every member applies the same commands at the same log indexes and so holds the same state:
/// the result of an operation depends only on the state and the command, never on a member's own
/// clock. Time comes from the leader-stamped ``Command/time``, kept monotonic in ``clock``.
///
/// ```swift
/// var store = KeyValueStore()
/// let command = Command(id: ProposalID(node: 1, sequence: 1), time: 1_000,
///                       operation: .put(key: "config", value: ["maxPlayers": 10]))
/// let (result, changes) = store.apply(command, at: 1)
/// store.get("config")?.revision   // 1
/// ```
///
/// Values are stored in ``ConsensusValue/canonical`` form, so a value that went through the log's
/// JSON and one applied straight from memory are identical. Values that JSON cannot carry
/// (NaN, infinities) are rejected.
public struct KeyValueStore: Sendable, Hashable {
    /// A stored value and the log index that last wrote it.
    public struct Versioned: Sendable, Hashable, Codable {
        /// The value.
        public var value: ConsensusValue
        /// The log index of the entry that last wrote the key.
        public var revision: UInt64

        /// Creates a versioned value.
        /// - Parameters:
        ///   - value: the value.
        ///   - revision: the log index that wrote it.
        public init(value: ConsensusValue, revision: UInt64) {
            self.value = value
            self.revision = revision
        }
    }

    /// One key changed by an applied command: its value before and after (`nil` = absent).
    public struct Change: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value before the write, `nil` if the key was absent.
        public var old: ConsensusValue?
        /// The value after the write, `nil` if the key is now absent.
        public var new: ConsensusValue?

        /// Creates a change record.
        /// - Parameters:
        ///   - key: the key.
        ///   - old: the value before.
        ///   - new: the value after.
        public init(key: String, old: ConsensusValue?, new: ConsensusValue?) {
            self.key = key
            self.old = old
            self.new = new
        }
    }

    /// The keys and their versioned values.
    var entries: [String: Versioned]
    /// Locks by name, including released ones (they keep their last fencing token).
    var locks: [String: LockRecord]
    /// Applied proposals per proposer session (exactly-once for retried proposals).
    var proposals: [UInt64: ProposalWindow] = [:]

    /// The log index of the last applied (or skipped) entry; 0 before any.
    public private(set) var appliedIndex: UInt64
    /// The store's time: the largest leader-stamped ``Command/time`` applied so far, so it never
    /// moves back and is identical on every member.
    ///
    /// It is in *store milliseconds*: leader-counted time since the cluster's first leader,
    /// standing still between leaders (see ``LeaderClock``), not milliseconds since 1970. It never
    /// runs faster than real time, so a lock's TTL in store time lasts at least as long in real time.
    public private(set) var clock: Int64

    /// An empty store at index 0, time 0.
    public init() {
        self.init(appliedIndex: 0, clock: 0, entries: [:], locks: [:])
    }

    /// A store with the given contents (used to restore a snapshot).
    init(appliedIndex: UInt64, clock: Int64, entries: [String: Versioned], locks: [String: LockRecord]) {
        self.appliedIndex = appliedIndex
        self.clock = clock
        self.entries = entries
        self.locks = locks
    }

    /// The value and revision stored under `key`, or `nil` if absent.
    public func get(_ key: String) -> Versioned? {
        entries[key]
    }

    /// The number of keys.
    public var count: Int {
        entries.count
    }

    /// The keys starting with `prefix`, sorted. An empty prefix lists every key.
    public func keys(withPrefix prefix: String) -> [String] {
        entries.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Applies a command at log index `index` (must be appliedIndex + 1). Returns the result and the keys that changed (old/new), in order.
    ///
    /// First the store clock becomes `max(clock, command.time)`; then the operation applies.
    /// An operation that cannot apply returns ``OperationResult/rejected(reason:)`` and changes no key
    /// (the index and clock still advance: the entry was applied, with that result). A lock
    /// acquire or renew whose own TTL, counted from `command.time`, has already passed at the
    /// store clock is refused (`.lock(nil)`) and changes nothing.
    ///
    /// - Parameters:
    ///   - command: the committed command.
    ///   - index: its log index.
    /// - Returns: what the operation did, and each key write in order (a failed transaction or a
    ///   rejected operation returns no changes).
    public mutating func apply(_ command: Command, at index: UInt64) -> (result: OperationResult, changes: [Change]) {
        precondition(index == appliedIndex + 1, "applying index \(index) after \(appliedIndex): entries apply in log order")
        appliedIndex = index
        clock = max(clock, command.time)
        if hasApplied(command.id) {
            // A retry of a proposal that already took effect (it reached the log twice).
            return (.rejected(reason: "duplicate of proposal \(command.id), which was already applied"), [])
        }
        proposals[command.id.node, default: ProposalWindow()].insert(command.id.sequence)
        var journal = WriteJournal()
        let result = perform(command.operation, at: index, stampedAt: command.time, journal: &journal)
        return (result, journal.changes)
    }

    /// A log entry with no command (leader no-op, membership change): only advances appliedIndex.
    ///
    /// - Parameter index: the entry's log index (must be appliedIndex + 1).
    public mutating func skip(at index: UInt64) {
        precondition(index == appliedIndex + 1, "skipping index \(index) after \(appliedIndex): entries apply in log order")
        appliedIndex = index
    }

    /// Applies one operation at `index`, recording its writes in `journal`. `stamp` is the
    /// command's ``Command/time`` (lock requests lapse `ttl` after it).
    private mutating func perform(_ operation: StoreOperation, at index: UInt64, stampedAt stamp: Int64, journal: inout WriteJournal) -> OperationResult {
        switch operation {
        case .transaction(let transaction):
            return applyTransaction(transaction, at: index, journal: &journal)
        case .lockAcquire(let name, let holder, let ttl):
            return acquireLock(name: name, holder: holder, ttlMilliseconds: ttl, stampedAt: stamp)
        case .lockRenew(let name, let holder, let token, let ttl):
            return renewLock(name: name, holder: holder, token: token, ttlMilliseconds: ttl, stampedAt: stamp)
        case .lockRelease(let name, let holder, let token):
            return releaseLock(name: name, holder: holder, token: token)
        case .put, .delete, .compareAndSwap, .counterAdd, .counterBatch:
            return applyWrite(operation, at: index, journal: &journal)
        }
    }
}
