/// Log replication (§5.3) and the commit rule (§5.4.2).
extension Raft {
    // MARK: - Proposals

    /// Proposes one command. Returns the index it will have in the log if it commits.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(RaftError) -> LogIndex {
        try propose(batch: CollectionOfOne(data)).upperBound
    }

    /// Proposes several commands as one append: one message per follower carries them all.
    /// Returns the indexes they will have if they commit.
    @discardableResult
    public mutating func propose(batch: some Collection<[UInt8]>) throws(RaftError) -> ClosedRange<LogIndex> {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard leadTransferee == nil else { throw .transferInProgress }
        precondition(!batch.isEmpty, "empty batch")
        guard Int(log.lastIndex - log.committed) + batch.count <= options.maxUncommittedEntries else { throw .overloaded }
        let first = log.lastIndex + 1
        var entries: [Entry] = []
        entries.reserveCapacity(batch.count)
        for data in batch { entries.append(Entry(term: term, index: 0, kind: .normal, data: data)) }
        appendAsLeader(entries)
        broadcastAppend()
        return first...log.lastIndex
    }

    /// Stamps entries with our term and the next indexes, and appends them to our log.
    mutating func appendAsLeader(_ new: [Entry]) {
        var entries = new
        var index = log.lastIndex
        for i in entries.indices {
            index += 1
            entries[i].term = term
            entries[i].index = index
        }
        appendToLog(entries)
    }

    /// Appends (or overwrites from the first new index) and keeps the configuration in step.
    mutating func appendToLog(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        log.append(entries)
        rebuildConfiguration(from: first.index)
    }

    // MARK: - Leader: sending

    /// Sends every follower what it is missing (or an empty append carrying the commit index).
    mutating func broadcastAppend() {
        for peer in peers { sendAppend(to: peer) }
    }

    /// Sends `to` the next entries it needs, or the snapshot if they were compacted.
    /// Returns whether a message was sent.
    @discardableResult
    mutating func sendAppend(to: NodeID, sendIfEmpty: Bool = true) -> Bool {
        guard let paused = progress[to]?.isPaused, !paused else { return false }
        let next = progress[to]!.next
        let prevIndex = next - 1
        guard let prevTerm = log.term(at: prevIndex) else {
            sendSnapshot(to: to)
            return true
        }
        let entries = log.entries(from: next, maxBytes: options.maxBytesPerMessage)
        if entries.isEmpty && !sendIfEmpty { return false }
        send(to: to, .append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: log.committed))
        progress[to]!.sentEntries(last: entries.last?.index ?? prevIndex, count: entries.count)
        return true
    }

    private mutating func sendSnapshot(to: NodeID) {
        guard let snapshot = latestSnapshot else {
            preconditionFailure("entries before \(log.firstIndex) were compacted but there is no snapshot")
        }
        send(to: to, .installSnapshot(snapshot))
        progress[to]!.becomeSnapshot(snapshot.metadata.index)
    }

    mutating func broadcastHeartbeat() {
        let sequence = reads.latestSequence
        for peer in peers {
            // Never tell a follower to commit past what it is known to hold.
            let commit = min(progress[peer]!.match, log.committed)
            send(to: peer, .heartbeat(commit: commit, readSequence: sequence))
        }
    }

    // MARK: - Leader: receiving

    mutating func handleAppendResponse(from: NodeID, success: Bool, index: LogIndex, hintIndex: LogIndex, hintTerm: Term) {
        guard progress[from] != nil else { return }
        progress[from]!.recentActive = true
        guard success else {
            // Fast back-up: skip every entry of a term the follower cannot match in one round.
            let probe = hintTerm > 0 ? log.findConflictByTerm(index: hintIndex, term: hintTerm) : hintIndex
            if progress[from]!.maybeDecrease(rejected: index, matchHint: probe) {
                if case .replicate = progress[from]!.state { progress[from]!.becomeProbe() }
                sendAppend(to: from)
            }
            return
        }
        let wasPaused = progress[from]!.isPaused
        guard progress[from]!.maybeUpdate(index) else { return }
        switch progress[from]!.state {
        case .probe:
            progress[from]!.becomeReplicate()
        case .snapshot:
            if progress[from]!.match + 1 >= log.firstIndex { progress[from]!.becomeReplicate() }
        case .replicate:
            progress[from]!.freeInflight(upTo: index)
        }
        if maybeCommit() {
            broadcastAppend()
        } else if wasPaused {
            sendAppend(to: from)
        }
        guard role == .leader else { return }
        while sendAppend(to: from, sendIfEmpty: false) {}
        if from == leadTransferee && progress[from]!.match == log.lastIndex {
            send(to: from, .timeoutNow)
        }
    }

    mutating func handleHeartbeatResponse(from: NodeID, readSequence: UInt64) {
        guard progress[from] != nil else { return }
        progress[from]!.recentActive = true
        progress[from]!.probeSent = false
        if case .snapshot = progress[from]!.state {
            // The snapshot may have been lost: after a while, probe again.
            progress[from]!.snapshotWaits += 1
            if progress[from]!.snapshotWaits * options.heartbeatTicks >= options.electionTicksMin {
                progress[from]!.becomeProbe()
            }
        }
        if case .replicate = progress[from]!.state, progress[from]!.isPaused {
            // The pipeline is full and may never drain if appends were lost: let one more probe
            // through; a rejection then moves the follower back to probing.
            progress[from]!.freeFirstInflight()
        }
        if progress[from]!.match < log.lastIndex { sendAppend(to: from) }
        if readSequence > 0 { acknowledgeReads(from: from, upTo: readSequence) }
    }

    /// The leader's commit rule (§5.4.2): advance to the highest index stored on a majority, but
    /// only if that entry is of the current term; earlier entries then commit indirectly (Figure 8).
    @discardableResult
    mutating func maybeCommit() -> Bool {
        let stable = log.stable
        let candidate = configuration.committedIndex { voter in
            voter == id ? stable : (progress[voter]?.match ?? 0)
        }
        guard candidate > log.committed, log.term(at: candidate) == term else { return false }
        log.commit(to: candidate)
        leaderCommitted()
        return true
    }

    /// What a leader does once its commit index moves.
    private mutating func leaderCommitted() {
        releaseReadsAwaitingCommit()
        // A leader that removed itself manages the cluster until the change commits, then steps
        // down (§4.2.2 of the dissertation), handing over to the most up-to-date voter.
        if !configuration.voters.contains(id) && lastConfigurationIndex <= log.committed {
            broadcastAppend()
            if let successor = peers.filter({ configuration.voters.contains($0) })
                .max(by: { progress[$0]!.match < progress[$1]!.match }),
               progress[successor]!.match == log.lastIndex {
                send(to: successor, .timeoutNow)
            }
            becomeFollower(term: term, leader: nil)
        }
    }

    // MARK: - Follower

    mutating func handleAppend(from: NodeID, prevIndex: LogIndex, prevTerm: Term, entries: [Entry], commit: LogIndex) {
        if prevIndex < log.committed {
            send(to: from, .appendResponse(success: true, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        if let result = log.maybeAppend(prevIndex: prevIndex, prevTerm: prevTerm, leaderCommit: commit, entries: entries) {
            if let from = result.rewrittenFrom { rebuildConfiguration(from: from) }
            send(to: from, .appendResponse(success: true, index: result.lastNew, hintIndex: 0, hintTerm: 0))
        } else {
            // Our best guess of where the logs agree: the last index at or below prevIndex whose
            // term is not after prevTerm.
            let hintIndex = log.findConflictByTerm(index: min(prevIndex, log.lastIndex), term: prevTerm)
            let hintTerm = log.term(at: hintIndex) ?? 0
            send(to: from, .appendResponse(success: false, index: prevIndex, hintIndex: hintIndex, hintTerm: hintTerm))
        }
    }

    mutating func handleHeartbeat(from: NodeID, commit: LogIndex, readSequence: UInt64) {
        if commit > log.committed { log.commit(to: commit) }
        send(to: from, .heartbeatResponse(readSequence: readSequence))
    }
}
