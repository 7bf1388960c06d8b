// Key writes: put, delete, compare-and-swap and counters. Each either applies fully or returns
// `.rejected` having changed nothing.

extension KeyValueStore {
    /// Applies a put, delete, compare-and-swap, counterAdd or counterBatch at `index`.
    mutating func applyWrite(_ operation: StoreOperation, at index: UInt64, journal: inout WriteJournal) -> OperationResult {
        switch operation {
        case .put(let key, let value):
            if let reason = Self.invalidKey(key) ?? Self.invalidValue(value) { return .rejected(reason: reason) }
            let previous = entries[key]?.value
            write(key, value.canonical, at: index, journal: &journal)
            return .put(previous: previous)

        case .delete(let key):
            if let reason = Self.invalidKey(key) { return .rejected(reason: reason) }
            let previous = entries[key]?.value
            if previous != nil { write(key, nil, at: index, journal: &journal) }
            return .delete(previous: previous)

        case .compareAndSwap(let key, let expected, let new):
            if let reason = Self.invalidKey(key) ?? expected.flatMap(Self.invalidValue) ?? new.flatMap(Self.invalidValue) {
                return .rejected(reason: reason)
            }
            let current = entries[key]?.value
            guard current == expected?.canonical else {
                return .compareAndSwap(succeeded: false, current: current)
            }
            let replacement = new?.canonical
            if current != nil || replacement != nil { write(key, replacement, at: index, journal: &journal) }
            return .compareAndSwap(succeeded: true, current: replacement)

        case .counterAdd(let name, let delta):
            return applyCounters([CounterDelta(name: name, delta: delta)], at: index, journal: &journal)

        case .counterBatch(let deltas):
            return applyCounters(deltas, at: index, journal: &journal)

        case .transaction, .lockAcquire, .lockRenew, .lockRelease:
            preconditionFailure("\(operation) is not a key write")
        }
    }

    /// Adds every delta, or none: all sums are computed first, then written (one change per key,
    /// in order of first mention).
    private mutating func applyCounters(_ deltas: [CounterDelta], at index: UInt64, journal: inout WriteJournal) -> OperationResult {
        var sums: [String: Int64] = [:]
        var order: [String] = []
        for delta in deltas {
            if let reason = Self.invalidKey(delta.name) { return .rejected(reason: reason) }
            let current: Int64
            if let sum = sums[delta.name] {
                current = sum
            } else {
                switch entries[delta.name]?.value {
                case nil: current = 0
                case .int(let value)?: current = value
                case let other?:
                    return .rejected(reason: "counter \"\(delta.name)\" holds \(other), not an integer")
                }
                order.append(delta.name)
            }
            let (sum, overflow) = current.addingReportingOverflow(delta.delta)
            if overflow {
                return .rejected(reason: "counter \"\(delta.name)\" would overflow: \(current) + \(delta.delta)")
            }
            sums[delta.name] = sum
        }
        for name in order {
            write(name, .int(sums[name]!), at: index, journal: &journal)
        }
        return .counter(values: sums)
    }

    /// Sets `key` to `value` (`nil` removes it) with revision `index`, recording the write.
    private mutating func write(_ key: String, _ value: ConsensusValue?, at index: UInt64, journal: inout WriteJournal) {
        let old = entries[key]
        entries[key] = value.map { Versioned(value: $0, revision: index) }
        journal.record(key: key, old: old, new: value)
    }

    /// Restores the keys written after `mark`, newest first.
    mutating func rollBack(_ journal: inout WriteJournal, to mark: Int) {
        for (key, old) in journal.rollBack(to: mark) {
            entries[key] = old
        }
    }

    /// Why `key` cannot be used, or `nil` if it can.
    static func invalidKey(_ key: String) -> String? {
        key.isEmpty ? "a key must not be empty" : nil
    }

    /// How deep a stored value may nest arrays and objects. Snapshots are JSON, which wraps each
    /// value in three more levels, and JSON readers stop at 512: a deeper value would make the
    /// next snapshot unreadable, and a member could not restart from it.
    static let valueNestingMax = 500

    /// Why `value` cannot be stored, or `nil` if it can. Checked when a command is applied, so
    /// every member refuses the same commands.
    static func invalidValue(_ value: ConsensusValue) -> String? {
        if value.nests(deeperThan: valueNestingMax) {
            return "a value must not nest arrays and objects more than \(valueNestingMax) levels deep (snapshots could not be read back)"
        }
        return value.isRepresentableInJSON ? nil : "a value must not contain NaN or infinity (JSON cannot carry them)"
    }
}
