/// The leader's view of one follower's log (the `nextIndex`/`matchIndex` of Figure 2), plus flow
/// control: how many AppendEntries may be in flight before the leader waits.
struct Progress: Sendable {
    enum State: Sendable, Hashable, CustomStringConvertible {
        /// We do not know where the follower's log ends: one message per heartbeat until it answers.
        case probe
        /// The follower is keeping up: pipeline appends, bounded by `inflight`.
        case replicate
        /// The follower is behind the compacted log: a snapshot is on its way.
        case snapshot(pending: LogIndex)

        var description: String {
            switch self {
            case .probe: return "probe"
            case .replicate: return "replicate"
            case .snapshot(let i): return "snapshot(\(i))"
            }
        }
    }

    var match: LogIndex = 0
    var next: LogIndex
    var state: State = .probe
    /// In probe state: a message was sent since the last heartbeat.
    var probeSent = false
    /// Heard from since the last check-quorum round.
    var recentActive = false
    /// In snapshot state: heartbeat answers since the snapshot was sent.
    var snapshotWaits = 0
    /// The last index of each in-flight append, oldest first. A small ring would do; an array is
    /// bounded by `maxInflight` all the same.
    var inflight: [LogIndex] = []
    var inflightStart = 0
    let maxInflight: Int

    init(next: LogIndex, maxInflight: Int) {
        self.next = next
        self.maxInflight = maxInflight
    }

    var inflightCount: Int { inflight.count - inflightStart }

    var isPaused: Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflightCount >= maxInflight
        case .snapshot: return true
        }
    }

    mutating func becomeProbe() {
        if case .snapshot(let pending) = state {
            next = max(match + 1, pending + 1)
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        resetInflight()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match + 1
        resetInflight()
    }

    mutating func becomeSnapshot(_ index: LogIndex) {
        state = .snapshot(pending: index)
        snapshotWaits = 0
        resetInflight()
    }

    private mutating func resetInflight() {
        inflight.removeAll(keepingCapacity: true)
        inflightStart = 0
    }

    /// Records that an append ending at `last` was sent.
    mutating func sentEntries(last: LogIndex, count: Int) {
        switch state {
        case .replicate:
            if count > 0 {
                next = last + 1
                inflight.append(last)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("no appends while a snapshot is pending")
        }
    }

    /// Frees in-flight slots for appends acknowledged up to `index`.
    mutating func freeInflight(upTo index: LogIndex) {
        while inflightStart < inflight.count && inflight[inflightStart] <= index { inflightStart += 1 }
        if inflightStart > 64 && inflightStart * 2 > inflight.count {
            inflight.removeFirst(inflightStart)
            inflightStart = 0
        }
    }

    /// Frees the oldest in-flight slot (used when appends may have been lost).
    mutating func freeFirstInflight() {
        if inflightCount > 0 { inflightStart += 1 }
    }

    /// A successful response up to `index`. Returns false if it was stale.
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// A rejection of the append at `rejected`. Returns false if the rejection was stale.
    mutating func maybeDecrease(rejected: LogIndex, matchHint: LogIndex) -> Bool {
        if case .replicate = state {
            if rejected <= match { return false }
            next = match + 1
            return true
        }
        if next - 1 != rejected { return false }
        next = max(min(rejected, matchHint + 1), match + 1)
        probeSent = false
        return true
    }
}
