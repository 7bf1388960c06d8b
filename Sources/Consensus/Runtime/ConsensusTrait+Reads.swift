import ConsensusNetwork
import ConsensusCore

/// How a read relates to writes.
public enum ReadConsistency: Sendable, Hashable {
    /// This node's applied state: fast, possibly stale (a follower may lag, a partitioned node may
    /// be far behind).
    case local
    /// Linearizable (ReadIndex through the leader): never older than a write that completed
    /// before the read started.
    case linearizable
}

/// Reading the replicated state.
extension ConsensusTrait {
    /// The value of `key` decoded as `T`, or `nil` if absent.
    public func get<T: Decodable>(_ key: String, as type: T.Type = T.self, consistency: ReadConsistency = .local) async throws(ConsensusError) -> T? {
        guard let value = try await value(key, consistency: consistency) else { return nil }
        do {
            return try value.decode(as: T.self)
        } catch {
            throw .rejected(reason: "the value of \(key) is \(value), which does not decode as \(T.self): \(error)")
        }
    }

    /// The raw value of `key`, or `nil` if absent. Throws ``ConsensusError/notRunning`` on a
    /// member that is not running (use ``localRead(_:)`` to see what a stopped member holds).
    public func value(_ key: String, consistency: ReadConsistency = .local) async throws(ConsensusError) -> ConsensusValue? {
        switch await call(.read(key: key, consistency: consistency)) {
        case .success(.value(let v, _)): return v?.value
        case .success: return nil
        case .failure(let error): throw error
        }
    }

    /// A local read that says whether it may be stale, and why.
    public func localRead(_ key: String) -> LocalRead { machine.localRead(key) }

    /// The value and revision (the log index that last wrote it) of `key`.
    public func versioned(_ key: String) -> KeyValueStore.Versioned? {
        MemberRecords.isReserved(key) ? nil : machine.store.get(key)
    }

    /// User keys with a prefix, sorted.
    public func keys(withPrefix prefix: String = "") -> [String] { machine.keys(withPrefix: prefix) }

    /// Waits until this node has applied everything committed before now (ReadIndex, §6.4).
    public func linearizableBarrier() async throws(ConsensusError) {
        if case .failure(let error) = await call(.barrier) { throw error }
    }

    // MARK: - Subscriptions

    /// The holder of lock `name` as this member has applied it (a local read: possibly stale),
    /// if it is held and not expired at this member's store time.
    public func heldLock(_ name: String) -> LockGrant? { machine.store.lock(name) }

    /// The new values of `key` as they are applied on this node (`nil` when deleted).
    public nonisolated func subscribe(_ key: String) -> AsyncStream<ConsensusValue?> {
        hub.values(of: key)
    }

    /// Calls `handler` with each new value of `key`. Cancel the returned task to stop.
    @discardableResult
    public nonisolated func subscribe(_ key: String, _ handler: @escaping @Sendable (ConsensusValue?) async -> Void) -> Task<Void, Never> {
        let stream = hub.values(of: key)
        return RuntimeExecutor.spawn {
            for await value in stream { await handler(value) }
        }
    }

    /// Every event from now on (the lesson's `on(...)`), one stream per caller. A subscriber more
    /// than `limits.eventBufferMax` events behind loses the oldest ones (see ``droppedEvents``).
    public nonisolated var events: AsyncStream<ConsensusEvent> { hub.events() }

    /// How many events slow subscribers lost so far (all subscribers together).
    public nonisolated var droppedEvents: Int { hub.dropped }
}

/// The answer to ``ConsensusTrait/localRead(_:)``.
public struct LocalRead: Sendable, Hashable {
    public var key: String
    public var value: ConsensusValue?
    public var revision: UInt64?
    public var appliedIndex: UInt64
    /// True unless this node leads and sees a majority. (A leader deposed a moment ago can still
    /// be behind until its check-quorum round notices; use a linearizable read when it matters.)
    public var mayBeStale: Bool
    public var staleReason: String?
}

extension ConsensusTrait {
    /// This member's replicated store as applied so far (for tests and tools in this package).
    var store: KeyValueStore { machine.store }
}
