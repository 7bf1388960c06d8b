import ConsensusCore

/// Reads: local ones answer at once; linearizable ones go through ReadIndex (§6.4): the leader
/// confirms it still leads with a heartbeat round, and the answer waits until this member has
/// applied the read point.
extension NodeStateMachine {
    mutating func read(_ request: RequestID, key: String?, consistency: ReadConsistency) {
        if let key, MemberRecords.isReserved(key) {
            return answer(request, .failure(.invalidArgument("\(key.debugDescription) is under the reserved prefix \(MemberRecords.prefix.debugDescription)")))
        }
        if majority != nil {
            if consistency == .linearizable {
                return answer(request, .failure(.unsupported("simple_majority has no linearizable reads; use the raft mechanism")))
            }
            return answer(request, .success(.value(majorityValue(key ?? ""), appliedIndex: 0)))
        }
        guard consistency == .linearizable else {
            return answer(request, .success(.value(key.flatMap { store.get($0) }, appliedIndex: store.appliedIndex)))
        }
        // Cut off from a quorum: no read point can be confirmed. Say so now.
        if health.partition?.side == .minority { return answer(request, .failure(.noQuorum)) }
        if reads.count >= configuration.limits.pendingReadsMax { return answer(request, .failure(.overloaded)) }
        nextReadContext += 1
        let context = nextReadContext
        reads[context] = WaitingRead(request: request, key: key, deadline: now + configuration.timeout, index: nil, asked: false)
        // Just after a start or during an election there is no leader to ask yet: the read waits
        // for one (within its deadline) rather than fail a read that would succeed a moment later.
        if raft?.leader != nil { ask(context) }
    }

    /// Asks the core for a read point for every read still waiting for a leader.
    mutating func askPendingReads() {
        guard raft?.leader != nil, persisting == nil else { return }
        for context in reads.keys.sorted() where reads[context]?.asked == false { ask(context) }
    }

    private mutating func ask(_ context: UInt64) {
        guard raft != nil, persisting == nil else { return }
        do {
            try raft!.readIndex(context: context)
            reads[context]?.asked = true
        } catch {
            if case .overloaded = error, let r = reads.removeValue(forKey: context) {
                answer(r.request, .failure(.overloaded))
            }
            // No leader after all: keep waiting (asked stays false) until the deadline.
        }
    }

    /// Fails the reads still waiting for a read point; those already confirmed are served once
    /// applied, as usual.
    mutating func failUnconfirmedReads(_ error: ConsensusError) {
        for context in reads.keys.sorted() where reads[context]?.index == nil {
            answer(reads.removeValue(forKey: context)!.request, .failure(error))
        }
    }

    mutating func readIndexConfirmed(context: UInt64, index: LogIndex) {
        guard reads[context] != nil else { return }
        reads[context]!.index = index
    }

    /// Answers the reads whose read point this member has applied.
    mutating func serveReads() {
        let applied = store.appliedIndex
        for context in reads.keys.sorted() {
            guard let r = reads[context], let index = r.index, index <= applied else { continue }
            reads[context] = nil
            if let key = r.key {
                answer(r.request, .success(.value(store.get(key), appliedIndex: applied)))
            } else {
                answer(r.request, .success(.done))
            }
        }
    }

    /// A local read that says whether it may be stale, and why.
    public func localRead(_ key: String) -> LocalRead {
        if majority != nil {
            return LocalRead(key: key, value: majorityValue(key)?.value, revision: nil, appliedIndex: 0, mayBeStale: true,
                             staleReason: "simple_majority is not linearizable: another member may have accepted a newer write")
        }
        let v = MemberRecords.isReserved(key) ? nil : store.get(key)
        var reason: String?
        if raft == nil {
            reason = "the node is stopped: this is the state it had when it stopped"
        } else if health.partition?.side == .minority {
            reason = "this node is on the minority side of a partition: newer writes may exist on the majority side"
        } else if raft?.isLeader != true {
            reason = "this node is a follower: it may not have applied the latest writes yet"
        }
        return LocalRead(key: key, value: v?.value, revision: v?.revision, appliedIndex: store.appliedIndex,
                         mayBeStale: reason != nil, staleReason: reason)
    }

    /// The user keys with a prefix, sorted (member records are not user keys).
    public func keys(withPrefix prefix: String) -> [String] {
        if let m = majority { return m.values.keys.filter { $0.hasPrefix(prefix) && m.values[$0]?.value != nil }.sorted() }
        return store.keys(withPrefix: prefix).filter { !MemberRecords.isReserved($0) }
    }
}
