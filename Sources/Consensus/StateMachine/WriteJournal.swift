/// The key writes of one command, in order, with what is needed to undo them: a transaction whose
/// branch fails part-way rolls back to where it started, so it is all-or-nothing.
struct WriteJournal {
    /// Each write's key and the versioned value it replaced (`nil` = the key was absent).
    private(set) var undo: [(key: String, old: KeyValueStore.Versioned?)] = []
    /// Each write as reported to the caller.
    private(set) var changes: [KeyValueStore.Change] = []

    /// A position to roll back to.
    var mark: Int { undo.count }

    /// Records a write of `key` from `old` to `new`.
    mutating func record(key: String, old: KeyValueStore.Versioned?, new: ConsensusValue?) {
        undo.append((key, old))
        changes.append(KeyValueStore.Change(key: key, old: old?.value, new: new))
    }

    /// Forgets the writes after `mark`, returning them newest first so the caller can restore them.
    mutating func rollBack(to mark: Int) -> [(key: String, old: KeyValueStore.Versioned?)] {
        let undone = Array(undo[mark...].reversed())
        undo.removeSubrange(mark...)
        changes.removeSubrange(mark...)
        return undone
    }
}
