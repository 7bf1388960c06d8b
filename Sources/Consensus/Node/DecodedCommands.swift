import ConsensusCore

/// Commands already decoded from log entries that are not applied yet, so that each entry's
/// payload is decoded once per member instead of once for `logAppended` and again to apply it.
///
/// The leader seeds it with the commands it proposes (it holds them already); every member
/// fills it when an entry is appended and empties it as entries are applied. A slot is keyed by
/// index and remembers the entry's term: an entry overwritten by a new leader (a different term
/// at the same index) misses and is decoded afresh, so a stale command is never applied (two
/// entries with the same index and term hold the same command, by the Log Matching Property,
/// Raft §5.3).
struct DecodedCommands: Sendable {
    private var slots: [LogIndex: (term: Term, command: Command)] = [:]
    /// More slots than this (entries appended that are never applied here, such as a log tail
    /// that a new leader cut off) and the cache starts over: it is only a cache.
    let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// How many commands are held.
    var count: Int { slots.count }

    /// Remembers `command` as the content of the entry at `index` in `term`.
    mutating func remember(_ command: Command, index: LogIndex, term: Term) {
        if slots.count >= capacity, slots[index] == nil { slots.removeAll(keepingCapacity: true) }
        slots[index] = (term, command)
    }

    /// The command of a normal entry: the one remembered for it, or decoded now (and
    /// remembered). `nil` if the payload does not decode.
    mutating func command(of entry: Entry) -> Command? {
        if let slot = slots[entry.index], slot.term == entry.term { return slot.command }
        guard let command = try? CommandCodec.decode(entry.data) else { return nil }
        remember(command, index: entry.index, term: entry.term)
        return command
    }

    /// The command of a normal entry being applied, which is then forgotten.
    ///
    /// - Throws: ``CommandCodecError`` if it was not remembered and its payload does not decode.
    mutating func take(_ entry: Entry) throws -> Command {
        if let slot = slots.removeValue(forKey: entry.index), slot.term == entry.term { return slot.command }
        return try CommandCodec.decode(entry.data)
    }

    /// Forgets the commands of entries up to `index` (a snapshot was installed).
    mutating func forget(through index: LogIndex) {
        slots = slots.filter { $0.key > index }
    }
}
