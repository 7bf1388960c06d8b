/// One change of a user key, at the log index (revision) that made it.
public struct KeyChange: Sendable, Hashable {
    public var key: String
    /// The value after the change; `nil` when the key was deleted.
    public var value: ConsensusValue?
    /// The log index of the entry that made the change (several changes share one revision
    /// when a transaction or a counter batch wrote several keys).
    public var revision: UInt64

    public init(key: String, value: ConsensusValue?, revision: UInt64) {
        self.key = key
        self.value = value
        self.revision = revision
    }
}

/// The latest changes of user keys, in apply order, bounded by
/// ``NodeLimits/changeHistoryMax``: what a watch from a past revision replays (etcd keeps its
/// history until compaction; a member here keeps the last changes). Whole revisions are
/// forgotten at once, oldest first, so a replay never shows half of a transaction.
struct ChangeHistory: Sendable {
    let capacity: Int
    private(set) var changes: [KeyChange] = []
    /// Every change with a revision at or above this one is still held (revisions below it
    /// may have been forgotten, or replaced by a snapshot).
    private(set) var firstRetained: UInt64 = 1
    /// How many changes were ever recorded: a reader remembers it to ask only for newer ones.
    private(set) var recorded: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func record(_ change: KeyChange) {
        changes.append(change)
        recorded += 1
        guard changes.count > capacity * 2 else { return }
        // Trim in bulk (amortized), whole revisions at a time.
        var drop = changes.count - capacity
        let last = changes[drop - 1].revision
        while drop < changes.count && changes[drop].revision == last { drop += 1 }
        changes.removeFirst(drop)
        firstRetained = last + 1
    }

    /// The store was replaced wholesale (a snapshot at `index`): nothing before it is known.
    mutating func reset(after index: UInt64) {
        changes.removeAll()
        firstRetained = index + 1
    }

    /// The changes at `revision` or later, or `nil` when some of them were forgotten.
    func since(revision: UInt64) -> [KeyChange]? {
        guard revision >= firstRetained else { return nil }
        // Revisions ascend: binary search for the first one at or after `revision`.
        var low = 0, high = changes.count
        while low < high {
            let mid = (low + high) / 2
            if changes[mid].revision < revision { low = mid + 1 } else { high = mid }
        }
        return Array(changes[low...])
    }

    /// The changes recorded after the first `count` ever recorded (those still held).
    func recorded(after count: UInt64) -> ArraySlice<KeyChange> {
        let new = Int(min(recorded - min(count, recorded), UInt64(changes.count)))
        return changes.suffix(new)
    }
}
