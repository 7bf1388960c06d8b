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

    /// The raw value of `key`, or `nil` if absent.
    public func value(_ key: String, consistency: ReadConsistency = .local) async throws(ConsensusError) -> ConsensusValue? {
        if let m = majority {
            if consistency == .linearizable {
                throw .unsupported("simple_majority has no linearizable reads; use the raft mechanism")
            }
            return m.values[key]?.value ?? nil
        }
        if consistency == .linearizable { try await linearizableBarrier() }
        return store.get(key)?.value
    }

    /// A local read that says whether it may be stale, and why.
    public func localRead(_ key: String) -> LocalRead {
        if let m = majority {
            return LocalRead(key: key, value: m.values[key]?.value ?? nil, revision: nil, appliedIndex: 0, mayBeStale: true,
                             staleReason: "simple_majority is not linearizable: another member may have accepted a newer write")
        }
        let v = store.get(key)
        var reason: String?
        if raft == nil {
            reason = "the node is stopped: this is the state it had when it stopped"
        } else if partition?.side == .minority {
            reason = "this node is on the minority side of a partition: newer writes may exist on the majority side"
        } else if raft?.isLeader != true {
            reason = "this node is a follower: it may not have applied the latest writes yet"
        }
        return LocalRead(key: key, value: v?.value, revision: v?.revision, appliedIndex: store.appliedIndex,
                         mayBeStale: reason != nil, staleReason: reason)
    }

    /// The value and revision (the log index that last wrote it) of `key`.
    public func versioned(_ key: String) -> KeyValueStore.Versioned? { store.get(key) }

    /// Keys with a prefix, sorted.
    public func keys(withPrefix prefix: String = "") -> [String] {
        store.keys(withPrefix: prefix).filter { !$0.hasPrefix(Self.membersPrefix) }
    }

    /// Waits until this node has applied everything committed before now (ReadIndex, §6.4).
    public func linearizableBarrier() async throws(ConsensusError) {
        guard raft != nil else { throw failure ?? .notRunning }
        // Just after a start or during an election there is no leader to ask yet: wait for one
        // (within the timeout) rather than fail a read that would succeed a moment later.
        let deadline = ContinuousClock.now + configuration.timeout
        while raft?.leader == nil {
            guard raft != nil else { throw failure ?? .notRunning }
            guard ContinuousClock.now < deadline else { throw .notLeader(leader: nil) }
            try? await Task.sleep(for: configuration.tickInterval)
        }
        nextReadContext += 1
        let context = nextReadContext
        let timeout = configuration.timeout
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.expireRead(context)
        }
        let index: LogIndex? = await withCheckedContinuation { continuation in
            readWaiters[context] = continuation
            do {
                try raft!.readIndex(context: context)
                processReady()
            } catch {
                readWaiters.removeValue(forKey: context)?.resume(returning: nil)
            }
        }
        timer.cancel()
        guard index != nil else {
            throw raft?.leader == nil ? .notLeader(leader: nil) : .timedOut
        }
    }

    private func expireRead(_ context: UInt64) {
        pendingReadIndexes[context] = nil
        readWaiters.removeValue(forKey: context)?.resume(returning: nil)
    }

    func readIndexConfirmed(context: UInt64, index: LogIndex) {
        guard readWaiters[context] != nil else { return }
        if index <= store.appliedIndex {
            readWaiters.removeValue(forKey: context)?.resume(returning: index)
        } else {
            pendingReadIndexes[context] = index
        }
    }

    /// Waits until this node has applied `index`.
    func waitUntilApplied(_ index: LogIndex) async {
        if store.appliedIndex >= index || raft == nil { return }
        await withCheckedContinuation { appliedWaiters.append((index, $0)) }
    }

    // MARK: - Subscriptions

    /// The new values of `key` as they are applied on this node (`nil` when deleted).
    public nonisolated func subscribe(_ key: String) -> AsyncStream<ConsensusValue?> {
        hub.values(of: key)
    }

    /// Calls `handler` with each new value of `key`. Cancel the returned task to stop.
    @discardableResult
    public nonisolated func subscribe(_ key: String, _ handler: @escaping @Sendable (ConsensusValue?) async -> Void) -> Task<Void, Never> {
        let stream = hub.values(of: key)
        return Task {
            for await value in stream { await handler(value) }
        }
    }

    /// Every event from now on (the lesson's `on(...)`), one stream per caller.
    public nonisolated var events: AsyncStream<ConsensusEvent> { hub.events() }
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
