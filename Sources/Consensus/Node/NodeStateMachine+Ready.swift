import ConsensusCore
import ConsensusNetwork

/// Performing the core's batches of work (see `Ready`): the machine asks its shell to persist,
/// and only once that is durable does it send, apply and serve reads.
extension NodeStateMachine {
    /// Takes the core's next batches until one must be persisted (then waits for
    /// ``NodeInput/persisted``) or none is left.
    mutating func processReady() {
        while persisting == nil, raft?.hasReady == true {
            let rd = raft!.ready()
            if let soft = rd.softState { roleChanged(soft) }
            for e in rd.entries { emit(.logAppended(term: e.term, index: e.index, key: userKey(of: e))) }
            if rd.hardState != nil || !rd.entries.isEmpty || rd.snapshot != nil {
                // A leader replicates while it writes (§10.2.1): its AppendEntries leave first.
                for m in rd.messagesBeforePersisting { send(to: m.to, .raft(m)) }
                var rest = rd
                rest.messages = rd.messagesAfterPersisting
                persisting = .ready(rest)
                out.append(.persist(PersistBatch(
                    hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot, mustSync: rd.mustSync)))
                return
            }
            finish(rd)
        }
    }

    /// The write being persisted is durable: go on with it.
    mutating func finishPersisted() {
        guard let write = persisting else { return }
        persisting = nil
        if case .ready(let rd) = write, raft != nil { finish(rd) }
    }

    /// Steps 2 to 5 of a `Ready`: send, apply, serve reads, advance.
    private mutating func finish(_ rd: Ready) {
        // 2. Send.
        for m in rd.messages {
            if case .voteResponse(granted: true) = m.kind, let to = name(of: m.to) {
                emit(.voteGranted(to: to, term: m.term))
            }
            send(to: m.to, .raft(m))
        }
        // 3. Apply.
        if let snapshot = rd.snapshot {
            install(snapshot)
            guard raft != nil else { return }
        }
        // The followers' match indexes, read once per batch (not once per entry: building the
        // core's status copies its progress table).
        let matches = rd.committedEntries.isEmpty ? nil : leaderMatchIndexes()
        for entry in rd.committedEntries { apply(entry, matches: matches) }
        // Entries stamped by an earlier leader may carry a later time than this leader's count.
        if leaderClock.applied(storeClock: store.clock) { leaderClockCredited = now }
        // 4. Reads.
        for rs in rd.readStates { readIndexConfirmed(context: rs.context, index: rs.index) }
        raft!.advance(rd)
        serveReads()
        askPendingReads()
        advanceMembershipJob()
        advanceTransferJob()
        maybeSnapshot()
        if !deferredCommands.isEmpty {
            let commands = deferredCommands
            deferredCommands = []
            for (c, hops) in commands { route(c, hops: hops) }
        }
    }

    private mutating func roleChanged(_ soft: SoftState) {
        if soft.role == .leader {
            if !leaderClock.isLeading { startLeaderClock() }
        } else {
            leaderClock.follow()
        }
        let newLeader = soft.leader != nil && soft.leader != lastLeader
        if newLeader, let name = name(of: soft.leader) {
            emit(.leaderElected(leader: name, term: soft.term))
        }
        lastLeader = soft.leader
        // Proposals sent to a leader that is gone may be lost: send them again to the new one.
        // The state machine applies each proposal id once, so a retry that races the original
        // cannot take effect twice.
        if newLeader {
            let queued = Set(awaitingLeader).union(batch.map(\.id))
            for w in proposals.values.sorted(by: { $0.command.id.sequence < $1.command.id.sequence }) where !queued.contains(w.command.id) {
                deferredCommands.append((w.command, 0))
            }
        }
        if soft.leader != nil && !awaitingLeader.isEmpty {
            for id in awaitingLeader { if let w = proposals[id] { deferredCommands.append((w.command, 0)) } }
            awaitingLeader = []
        }
        if soft.role != .leader && !batch.isEmpty {
            deferredCommands += batch.map { ($0, 1) }
            batch = []
            batchDeadline = nil
        }
        // Read points asked of a leader that is gone may never come: ask the new one (after
        // this batch, see `finish`).
        if newLeader {
            for context in reads.keys where reads[context]?.index == nil { reads[context]?.asked = false }
        }
    }

    /// The user key an entry writes, for `logAppended` (member records are internal: none).
    private mutating func userKey(of entry: Entry) -> String? {
        guard entry.kind == .normal, let command = decoded.command(of: entry) else { return nil }
        return command.operation.keys.first.flatMap { MemberRecords.isReserved($0) ? nil : $0 }
    }

    private mutating func install(_ snapshot: Snapshot) {
        do {
            let restored = try CommandCodec.decodeSnapshot(snapshot.data)
            var keys = Set(restored.keys(withPrefix: ""))
            keys.formUnion(store.keys(withPrefix: ""))
            let old = store
            store = restored
            for key in keys.sorted() where !MemberRecords.isReserved(key) {
                let before = old.get(key)?.value, after = restored.get(key)?.value
                if before != after { emit(.stateChanged(key: key, newValue: after, oldValue: before)) }
            }
            lastSnapshotIndex = snapshot.metadata.index
            decoded.forget(through: snapshot.metadata.index)
            history.reset(after: snapshot.metadata.index)
            learnMembers()
        } catch {
            halt(.storage("received a snapshot that cannot be decoded: \(error)"))
        }
    }

    private mutating func apply(_ entry: Entry, matches: [NodeID: LogIndex]?) {
        guard entry.kind == .normal else {
            store.skip(at: entry.index)
            if entry.kind == .configChange { learnMembers() }
            return
        }
        let command: Command
        do {
            command = try decoded.take(entry)
        } catch {
            // Every member skips the same undecodable entry the same way.
            store.skip(at: entry.index)
            return
        }
        if store.hasApplied(command.id) {
            // The same proposal again (re-sent after a leader change): it already took effect.
            _ = store.apply(command, at: entry.index)
            return
        }
        let (result, changes) = store.apply(command, at: entry.index)
        for c in changes where !MemberRecords.isReserved(c.key) {
            history.record(KeyChange(key: c.key, value: c.new, revision: entry.index))
            emit(.stateChanged(key: c.key, newValue: c.new, oldValue: c.old))
        }
        if case let .put(key, value) = command.operation, MemberRecords.isReserved(key) { remember(value) }
        let proposal = proposalResult(for: command, index: entry.index, result: result, matches: matches)
        if !command.operation.keys.contains(where: MemberRecords.isReserved) { emit(.consensusAccepted(proposal)) }
        if let waiter = proposals.removeValue(forKey: command.id) {
            if let request = waiter.request { answer(request, .success(.proposal(proposal))) }
            proposalApplied(command.id, index: entry.index, result: result)
        }
    }

    /// On the leader, each member's match index (how far its log is known to agree); `nil` on
    /// a follower.
    private func leaderMatchIndexes() -> [NodeID: LogIndex]? {
        guard raft?.isLeader == true else { return nil }
        return raft!.status.progress.mapValues(\.match)
    }

    /// The lesson's proposal result for an applied command.
    /// - Parameter matches: on the leader, the members' match indexes (``leaderMatchIndexes()``):
    ///   the votes for are the voters whose log holds `index`; elsewhere the quorum.
    func proposalResult(for command: Command, index: LogIndex, result: OperationResult, matches: [NodeID: LogIndex]?) -> ProposalResult {
        let configuration = raft?.configuration ?? Configuration()
        let quorum = configuration.quorum
        var acknowledged = quorum
        if let matches {
            acknowledged = 0
            for voter in configuration.voters where voter == numericID || (matches[voter] ?? 0) >= index { acknowledged += 1 }
        }
        // Canonical, as a decoded command's values are: the leader applies its own proposals
        // from memory (see DecodedCommands), and every member must report the same value.
        let (key, value) = command.operation.summary
        return ProposalResult(
            proposalID: command.id.description, accepted: result.succeeded, key: key, value: value?.canonical,
            votes: .init(for: acknowledged, against: 0, total: configuration.voters.count), quorumRequired: quorum,
            error: result.succeeded ? nil : result.failureReason, errorCode: nil, index: index, result: result)
    }

    /// A result for a proposal that was not applied.
    func failedProposal(_ id: ProposalID, _ operation: StoreOperation, _ error: ConsensusError) -> ProposalResult {
        let (key, value) = operation.summary
        let configuration = raft?.configuration ?? Configuration()
        return ProposalResult(
            proposalID: id.description, accepted: false, key: key, value: value,
            votes: .init(for: 0, against: 0, total: configuration.voters.count), quorumRequired: configuration.quorum,
            error: error.description, errorCode: error.code, index: nil, result: nil)
    }

    private mutating func maybeSnapshot() {
        let interval = configuration.snapshotInterval
        guard interval > 0, raft != nil, store.appliedIndex >= lastSnapshotIndex + LogIndex(interval),
              store.appliedIndex == raft!.appliedIndex else { return }
        do {
            let data = try CommandCodec.encodeSnapshot(store, compressAbove: compressAbove)
            guard let snapshot = raft!.compact(upTo: store.appliedIndex, snapshotData: data) else { return }
            out.append(.saveSnapshot(snapshot))
            lastSnapshotIndex = snapshot.metadata.index
        } catch {
            halt(.storage("cannot encode a snapshot: \(error)"))
        }
    }

    var compressAbove: Int? { configuration.compression ? configuration.compressionThreshold : nil }
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
