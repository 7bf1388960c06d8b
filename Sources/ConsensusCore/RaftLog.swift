/// The log as the core sees it: a snapshot boundary followed by the entries after it, plus the
/// commit, apply and stability marks. It lives in memory; persistence is the caller's duty.
///
/// Indexes: `snapshotIndex < firstIndex <= lastIndex`, `applied <= committed <= lastIndex`,
/// `stable <= lastIndex` (everything up to `stable` is on the caller's disk).
struct RaftLog: Sendable {
    private(set) var snapshotIndex: LogIndex
    private(set) var snapshotTerm: Term
    /// `entries[i].index == snapshotIndex + 1 + i`.
    private(set) var entries: [Entry]
    private(set) var committed: LogIndex
    private(set) var applied: LogIndex
    /// The last index the caller has persisted.
    private(set) var stable: LogIndex

    init(snapshotIndex: LogIndex, snapshotTerm: Term, entries: [Entry], committed: LogIndex) {
        for (i, e) in entries.enumerated() {
            precondition(e.index == snapshotIndex + 1 + LogIndex(i), "restored entries must be contiguous after the snapshot")
        }
        self.snapshotIndex = snapshotIndex
        self.snapshotTerm = snapshotTerm
        self.entries = entries
        self.stable = snapshotIndex + LogIndex(entries.count)
        self.committed = max(committed, snapshotIndex)
        self.applied = snapshotIndex
        precondition(self.committed <= stable, "persisted commit \(committed) is past the last persisted index \(stable)")
    }

    var firstIndex: LogIndex { snapshotIndex + 1 }
    var lastIndex: LogIndex { snapshotIndex + LogIndex(entries.count) }
    var lastTerm: Term { entries.last?.term ?? snapshotTerm }

    /// The term of the entry at `index`; `nil` when it was compacted away or does not exist yet.
    func term(at index: LogIndex) -> Term? {
        if index == snapshotIndex { return snapshotTerm }
        if index < snapshotIndex || index > lastIndex { return nil }
        return entries[Int(index - snapshotIndex - 1)].term
    }

    func entry(at index: LogIndex) -> Entry {
        entries[Int(index - snapshotIndex - 1)]
    }

    func matchTerm(_ index: LogIndex, _ term: Term) -> Bool {
        self.term(at: index) == term
    }

    /// §5.4.1: a candidate's log is at least as up to date as ours.
    func isUpToDate(lastIndex: LogIndex, lastTerm: Term) -> Bool {
        lastTerm > self.lastTerm || (lastTerm == self.lastTerm && lastIndex >= self.lastIndex)
    }

    /// Entries from `index` on, at most `maxBytes` (but always at least one if there is one).
    func entries(from index: LogIndex, maxBytes: Int, maxCount: Int = .max) -> [Entry] {
        precondition(index > snapshotIndex, "entries before \(firstIndex) were compacted")
        if index > lastIndex { return [] }
        let start = Int(index - snapshotIndex - 1)
        var end = start
        var bytes = 0
        while end < entries.count && end - start < maxCount {
            bytes += entries[end].byteCount
            if bytes > maxBytes && end > start { break }
            end += 1
        }
        return Array(entries[start..<end])
    }

    /// The largest index `<= index` whose term is `<= term`: where a log with an entry of `term`
    /// at `index` may agree with ours (fast back-up, §5.3 "optimization").
    func findConflictByTerm(index: LogIndex, term: Term) -> LogIndex {
        var i = min(index, lastIndex)
        while i > snapshotIndex, let t = self.term(at: i), t > term { i -= 1 }
        return i
    }

    /// The first new entry that conflicts with or extends our log, or 0 if all are present.
    private func findConflict(_ new: [Entry]) -> LogIndex {
        for e in new where !matchTerm(e.index, e.term) { return e.index }
        return 0
    }

    /// The follower's half of AppendEntries (§5.3): if our log matches at `prevIndex`, append the
    /// new entries (truncating a conflicting suffix) and advance commit. Returns the last index
    /// known to match the leader and the first index written (if any), or `nil` when the
    /// consistency check fails.
    mutating func maybeAppend(
        prevIndex: LogIndex, prevTerm: Term, leaderCommit: LogIndex, entries new: [Entry]
    ) -> (lastNew: LogIndex, rewrittenFrom: LogIndex?)? {
        guard matchTerm(prevIndex, prevTerm) else { return nil }
        let lastNew = prevIndex + LogIndex(new.count)
        let conflict = findConflict(new)
        if conflict != 0 {
            precondition(conflict > committed, "entry \(conflict) conflicts with committed entry (commit \(committed))")
            append(Array(new[Int(conflict - prevIndex - 1)...]))
        }
        commit(to: min(leaderCommit, lastNew))
        return (lastNew, conflict == 0 ? nil : conflict)
    }

    /// Appends entries whose first index is at most `lastIndex + 1`, dropping any suffix they replace.
    mutating func append(_ new: [Entry]) {
        guard let first = new.first else { return }
        precondition(first.index > committed, "cannot overwrite committed entry \(first.index)")
        precondition(first.index <= lastIndex + 1, "gap in log: appending \(first.index) after \(lastIndex)")
        let keep = Int(first.index - snapshotIndex - 1)
        if keep < entries.count {
            entries.removeSubrange(keep...)
            stable = min(stable, first.index - 1)
        }
        entries.append(contentsOf: new)
    }

    mutating func commit(to index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex, "commit \(index) is past the last index \(lastIndex)")
        committed = index
    }

    mutating func appliedTo(_ index: LogIndex) {
        precondition(index >= applied && index <= committed, "applied \(index) outside [\(applied), \(committed)]")
        applied = index
    }

    /// The caller has persisted everything up to `index` (with term `term`).
    mutating func stableTo(_ index: LogIndex, term: Term) {
        // Entries may have been replaced since the batch was handed out; only trust a match.
        if index > stable, matchTerm(index, term) { stable = index }
    }

    /// Committed entries the application has not applied yet, bounded by `maxBytes`.
    func nextEntriesToApply(maxBytes: Int) -> [Entry] {
        let upTo = min(committed, stable)
        guard upTo > applied else { return [] }
        return entries(from: applied + 1, maxBytes: maxBytes, maxCount: Int(upTo - applied))
    }

    /// Entries not yet persisted.
    var unstableEntries: ArraySlice<Entry> {
        let start = Int(stable - snapshotIndex)
        return entries[start...]
    }

    /// Drops the entries up to `index`, which a snapshot now covers (§7).
    mutating func compact(to index: LogIndex) {
        guard index > snapshotIndex else { return }
        precondition(index <= applied, "cannot compact past applied index \(applied)")
        let term = self.term(at: index)!
        entries.removeFirst(Int(index - snapshotIndex))
        snapshotIndex = index
        snapshotTerm = term
    }

    /// Replaces the whole log by a snapshot received from the leader (§7).
    mutating func restore(index: LogIndex, term: Term) {
        precondition(index > committed, "snapshot \(index) is not ahead of commit \(committed)")
        entries = []
        snapshotIndex = index
        snapshotTerm = term
        committed = index
        stable = index
        // The caller installs the snapshot (in the same batch of work) before applying anything else.
        applied = index
    }
}
