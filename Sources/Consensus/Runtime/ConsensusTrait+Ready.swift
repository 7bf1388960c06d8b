import ConsensusCore
import ConsensusNetwork

/// Performing the core's batches of work: persist, send, apply, serve reads (see `Ready`).
extension ConsensusTrait {
    func processReady() {
        // Work that reaches the core while a batch is being performed (a proposal re-sent on a
        // leader change) waits until the batch is acknowledged: the core must not be stepped
        // between `ready()` and `advance(_:)`.
        guard !performingReady else { return }
        performingReady = true
        defer { performingReady = false }
        while raft?.hasReady == true {
            let rd = raft!.ready()
            if let soft = rd.softState { roleChanged(soft) }
            // 1. Persist, durably, before anything leaves this node.
            do {
                try storage.persist(rd)
            } catch {
                halt(.storage("cannot persist: \(error); the node stopped"))
                return
            }
            for e in rd.entries { hub.emit(.logAppended(term: e.term, index: e.index, key: key(of: e))) }
            // 2. Send.
            for m in rd.messages {
                if case .voteResponse(granted: true) = m.kind, let to = name(of: m.to) {
                    hub.emit(.voteGranted(to: to, term: m.term))
                }
                send(to: m.to, .raft(m))
            }
            // 3. Apply.
            if let snapshot = rd.snapshot {
                install(snapshot)
                guard raft != nil else { return }   // the snapshot could not be installed: halted
            }
            for entry in rd.committedEntries { apply(entry) }
            // Entries stamped by an earlier leader may carry a later time than this leader's count.
            if leaderClock.applied(storeClock: store.clock) { leaderClockCredited = .now }
            // 4. Reads.
            for rs in rd.readStates { readIndexConfirmed(context: rs.context, index: rs.index) }
            raft!.advance(rd)
            releaseAppliedWaiters()
            maybeSnapshot()
            if !deferredCommands.isEmpty {
                performingReady = false
                let commands = deferredCommands
                deferredCommands = []
                for (c, hops) in commands { enqueue(c, hops: hops) }
                performingReady = true
            }
        }
    }

    /// The storage failed: stop, fail every waiting call, keep the reason.
    func halt(_ error: ConsensusError) {
        failure = error
        tickTask?.cancel()
        tickTask = nil
        raft = nil
        failAll(error)
    }

    private func roleChanged(_ soft: SoftState) {
        // Store time: a new leader counts its ticks from the latest stamp it knows (its applied
        // store's clock, or a later stamp in the rest of its log); others don't count.
        if soft.role == .leader {
            if !leaderClock.isLeading { startLeaderClock() }
        } else {
            leaderClock.follow()
        }
        let newLeader = soft.leader != nil && soft.leader != lastLeader
        if newLeader, let name = name(of: soft.leader) {
            hub.emit(.leaderElected(leader: name, term: soft.term))
        }
        lastLeader = soft.leader
        // Proposals sent to a leader that is gone may be lost: send them again to the new one.
        // The state machine applies each proposal id once, so a retry that races the original
        // cannot take effect twice.
        if newLeader {
            let retry = waiters.values.map(\.command).sorted { $0.id.sequence < $1.id.sequence }
            for c in retry where !awaitingLeader.contains(where: { $0.id == c.id }) && !batch.contains(where: { $0.id == c.id }) {
                deferredCommands.append((c, 0))
            }
        }
        // Proposals that waited for a leader can go now.
        if soft.leader != nil && !awaitingLeader.isEmpty {
            deferredCommands += awaitingLeader.map { ($0, 0) }
            awaitingLeader = []
        }
        if soft.role != .leader && !batch.isEmpty {
            deferredCommands += batch.map { ($0, 1) }
            batch = []
        }
    }

    private func key(of entry: Entry) -> String? {
        guard entry.kind == .normal, let command = try? CommandCodec.decode(entry.data) else { return nil }
        return command.operation.keys.first
    }

    private func install(_ snapshot: Snapshot) {
        do {
            let restored = try CommandCodec.decodeSnapshot(snapshot.data)
            // Report what the snapshot changed, as if its entries had been applied.
            var keys = Set(restored.keys(withPrefix: ""))
            keys.formUnion(store.keys(withPrefix: ""))
            let old = store
            store = restored
            for key in keys.sorted() {
                let before = old.get(key)?.value, after = restored.get(key)?.value
                if before != after { hub.emit(.stateChanged(key: key, newValue: after, oldValue: before)) }
            }
            lastSnapshotIndex = snapshot.metadata.index
            learnMembers()
        } catch {
            halt(.storage("received a snapshot that cannot be decoded: \(error)"))
        }
    }

    private func apply(_ entry: Entry) {
        guard entry.kind == .normal else {
            store.skip(at: entry.index)
            if entry.kind == .configChange { learnMembers() }
            return
        }
        let command: Command
        do {
            command = try CommandCodec.decode(entry.data)
        } catch {
            // Every member skips the same undecodable entry the same way.
            store.skip(at: entry.index)
            return
        }
        if store.hasApplied(command.id) {
            // The same proposal again (retried after a leader change): it already took effect.
            _ = store.apply(command, at: entry.index)
            return
        }
        let (result, changes) = store.apply(command, at: entry.index)
        for c in changes { hub.emit(.stateChanged(key: c.key, newValue: c.new, oldValue: c.old)) }
        if case let .put(key, value) = command.operation, key.hasPrefix(Self.membersPrefix) { remember(value) }
        let proposal = proposalResult(for: command, index: entry.index, result: result)
        hub.emit(.consensusAccepted(proposal))
        if let waiter = waiters.removeValue(forKey: command.id) {
            waiter.finish(.success(proposal))
        }
    }

    /// The lesson's proposal result for an applied command.
    func proposalResult(for command: Command, index: LogIndex, result: OperationResult) -> ProposalResult {
        let voters = raft?.configuration.voters ?? []
        let quorum = voters.count / 2 + 1
        var acknowledged = quorum
        if let r = raft, r.isLeader {
            let status = r.status
            acknowledged = voters.filter { $0 == numericID || (status.progress[$0]?.match ?? 0) >= index }.count
        }
        let (key, value) = command.operation.summary
        return ProposalResult(
            proposalID: command.id.description, accepted: result.succeeded, key: key, value: value,
            votes: .init(for: acknowledged, against: 0, total: voters.count), quorumRequired: quorum,
            error: result.succeeded ? nil : result.failureReason, index: index, result: result)
    }

    private func maybeSnapshot() {
        let interval = configuration.snapshotInterval
        guard interval > 0, let r = raft, store.appliedIndex >= lastSnapshotIndex + LogIndex(interval),
              store.appliedIndex == r.appliedIndex else { return }
        do {
            let data = try CommandCodec.encodeSnapshot(store, compressAbove: configuration.compression ? configuration.compressionThreshold : nil)
            let snapshot = Snapshot(metadata: r.snapshotMetadata(at: store.appliedIndex), data: data)
            try storage.saveSnapshot(snapshot)
            raft!.compact(upTo: snapshot.metadata.index, snapshotData: data)
            lastSnapshotIndex = snapshot.metadata.index
        } catch {
            halt(.storage("cannot save a snapshot: \(error)"))
        }
    }

    func releaseAppliedWaiters() {
        guard !appliedWaiters.isEmpty else { return }
        let applied = store.appliedIndex
        var keep: [(index: LogIndex, continuation: CheckedContinuation<Void, Never>)] = []
        for w in appliedWaiters {
            if w.index <= applied { w.continuation.resume() } else { keep.append(w) }
        }
        appliedWaiters = keep
        for (context, index) in pendingReadIndexes where index <= applied {
            pendingReadIndexes[context] = nil
            readWaiters.removeValue(forKey: context)?.resume(returning: index)
        }
    }
}

extension OperationResult {
    /// A human reason when the operation did not succeed.
    var failureReason: String {
        switch self {
        case .compareAndSwap(false, let current): return "compare-and-swap failed: the current value is \(current.map(\.description) ?? "absent")"
        case .transaction(false, _): return "transaction conditions did not hold; the else branch ran"
        case .lock(nil): return "the lock is held by another holder"
        case .lockReleased(false): return "not the holder of this lock (or a stale token)"
        case .rejected(let reason): return reason
        default: return "not applied"
        }
    }
}

extension StoreOperation {
    /// The key and new value the lesson's results talk about.
    var summary: (key: String, value: ConsensusValue?) {
        switch self {
        case let .put(key, value): return (key, value)
        case let .delete(key): return (key, nil)
        case let .compareAndSwap(key, _, new): return (key, new)
        case let .counterAdd(name, delta): return (name, .int(delta))
        case let .lockAcquire(name, holder, _), let .lockRenew(name, holder, _, _), let .lockRelease(name, holder, _):
            return (name, .string(holder))
        case .transaction, .counterBatch:
            return (keys.first ?? "", nil)
        }
    }
}
