/// Handing work to the caller and taking back its acknowledgement.
extension Raft {
    /// Whether ``ready()`` has anything to hand out.
    public var hasReady: Bool {
        !messages.isEmpty || !readStates.isEmpty || pendingSnapshot != nil || reads.roundDue
            || log.stable < log.lastIndex
            || currentHardState != persistedHardState
            || currentSoftState != lastSoftState
            || log.applied < min(log.committed, log.stable)
    }

    var currentHardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    var currentSoftState: SoftState { SoftState(role: role, leader: leader, term: term) }

    /// The next batch of work. Messages and read states are handed out once; perform the batch
    /// as ``Ready`` describes, then call ``advance(_:)``.
    public mutating func ready() -> Ready {
        sendDueReadRound()
        let soft = currentSoftState
        let hard = currentHardState
        let entries = Array(log.unstableEntries)
        // Term and vote already durable: only the commit index (if anything) is new.
        let electionStateDurable = hard.term == persistedHardState.term && hard.vote == persistedHardState.vote
        let rd = Ready(
            softState: soft != lastSoftState ? soft : nil,
            hardState: hard != persistedHardState ? hard : nil,
            snapshot: pendingSnapshot,
            entries: entries,
            messages: messages,
            committedEntries: log.nextEntriesToApply(maxBytes: options.maxApplyBytesPerReady),
            readStates: readStates,
            mustSync: !entries.isEmpty || pendingSnapshot != nil || !electionStateDurable,
            replicationMayPrecedePersisting: electionStateDurable && role == .leader)
        messages = []
        readStates = []
        if let s = rd.softState { lastSoftState = s }
        return rd
    }

    /// The caller has performed `rd`: its entries and hard state are durable, its messages sent
    /// and its committed entries applied.
    public mutating func advance(_ rd: Ready) {
        if let hs = rd.hardState {
            precondition(hs.term >= persistedHardState.term, "persisted term went back")
            precondition(
                hs.term > persistedHardState.term || persistedHardState.vote == nil || hs.vote == persistedHardState.vote,
                "persisted vote changed within term \(hs.term)")
            precondition(hs.commit >= persistedHardState.commit, "persisted commit went back")
            persistedHardState = hs
        }
        if let snapshot = rd.snapshot, pendingSnapshot?.metadata == snapshot.metadata {
            pendingSnapshot = nil
        }
        if let last = rd.entries.last { log.stableTo(last.index, term: last.term) }
        if let last = rd.committedEntries.last { log.appliedTo(last.index) }
        // The leader's own acknowledgement: what it just persisted counts toward a majority.
        if role == .leader && !rd.entries.isEmpty {
            if maybeCommit() { broadcastAppend() }
        }
    }
}
