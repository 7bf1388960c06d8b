// Wing and Gong's search for a linearization, with Lowe's memoisation, over one sub-history.
//
// The history is a list of call and return events sorted by time (calls before returns at equal
// times: equal times are concurrent). The search walks the list: at a call, it tries to order that
// operation next (the model must accept it, and the pair (set of ordered operations, state after)
// must be new: an old pair has been explored already and led nowhere); if it can, it lifts the
// operation's call and return out of the list and starts again from the head. Reaching a return
// means the operation it closes should have been ordered by now: backtrack, undo the last ordered
// operation and try its other outcomes, then the operations after it. The history is
// linearizable when the list is empty, and is not when a return is reached with nothing to undo.
//
// Three refinements keep histories with many unknown outcomes cheap, each exact:
// - An operation with an unknown outcome is ordered only where it changes something (its state
//   after is not dominated by its state before: see `SequentialModel.isDominated`) while some
//   operation with a known outcome is still unordered. One that changes nothing (a refused acquire,
//   a release of someone else's grant, a holder's retry that only extends its grant) can always
//   go last instead: the states after it are no more permissive, and an unknown outcome may take
//   effect at any time after its invocation, or never.
// - A state after an unknown outcome from which some unordered known grant can never be ordered
//   (the lock's token is already past it: tokens never decrease) is a dead end, and is not
//   entered. (After a known outcome the search goes on into it, so that an explanation shows
//   the known operations that clash.)
// - Candidates are tried known outcomes first: among the calls before the first return, their
//   order in the list does not change what may be ordered, only what is tried first.
// - A lock's time lower bound that is at or below every unordered operation's invocation
//   constrains nothing, so it is forgotten (`Int64.min`): states that differ only there are one.
// - Operations with an unknown outcome and the same action (say, thirty `add hits 1` cut off by a
//   killed leader) are interchangeable: they are ordered in invocation order only. Swapping two in
//   an order is always possible (the earlier one may sit wherever the later one can, the later one
//   may sit later still: neither has a response to respect, and their effect is the same), so
//   this drops only orders that have an equivalent twin. Without it, k such operations make 2^k
//   explored (ordered set, state) pairs that differ only in which twins were taken. Lock
//   operations whose sub-history uses time are left out: their time window is part of the effect.
//
// Reference: J. M. Wing and C. Gong, "Testing and verifying concurrent objects", 1993; G. Lowe,
// "Testing for linearizability", 2017; and Porcupine (github.com/anishathalye/porcupine).

/// Which operations have been ordered, one bit each.
struct OperationSet: Hashable {
    private(set) var words: [UInt64]

    init(count: Int) {
        words = Array(repeating: 0, count: (count + 63) / 64)
    }

    mutating func insert(_ index: Int) {
        words[index >> 6] |= 1 << UInt64(index & 63)
    }

    mutating func remove(_ index: Int) {
        words[index >> 6] &= ~(1 << UInt64(index & 63))
    }

    func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }
}

/// The search over one sub-history.
struct LinearizationSearch {
    /// How a search ended.
    enum Outcome {
        /// Every operation was ordered.
        case linearizable(exploredStates: Int)
        /// No order exists. `deepestOrder` is the longest prefix of operations (positions in the
        /// sub-history) that could be ordered, and `deepestState` the state after it.
        case notLinearizable(deepestOrder: [Int], deepestState: [ResourceState], exploredStates: Int)
        /// More than the budget of states was explored before an answer.
        case budgetExhausted(exploredStates: Int)
    }

    private struct Explored: Hashable {
        var ordered: OperationSet
        var state: [ResourceState]
    }

    private struct Frame {
        var call: Int
        var stateBefore: [ResourceState]
        var choice: Int
    }

    let operations: [SearchOperation]
    let initialState: [ResourceState]
    let stateBudget: Int
    /// When a lock grant with a ttl lapses.
    let lockLapse: LinearizabilityChecker.LockLapse

    /// Runs the search.
    func run() -> Outcome {
        let count = operations.count
        // Event ids: 2i is the call of operation i, 2i+1 its return; `head` is a sentinel.
        let head = 2 * count
        var next = Array(repeating: -1, count: 2 * count + 1)
        var prev = Array(repeating: -1, count: 2 * count + 1)
        let events = (0..<(2 * count)).sorted { a, b in
            let timeA = a & 1 == 0 ? operations[a >> 1].invocation : operations[a >> 1].response
            let timeB = b & 1 == 0 ? operations[b >> 1].invocation : operations[b >> 1].response
            return (timeA, a & 1, a >> 1) < (timeB, b & 1, b >> 1)
        }
        var last = head
        for event in Self.knownCallsFirst(events, operations) {
            next[last] = event
            prev[event] = last
            last = event
        }

        func unlink(_ event: Int) {
            next[prev[event]] = next[event]
            if next[event] != -1 { prev[next[event]] = prev[event] }
        }
        func relink(_ event: Int) {
            if next[event] != -1 { prev[next[event]] = event }
            next[prev[event]] = event
        }

        var state = initialState
        var ordered = OperationSet(count: count)
        // Unordered operations with a known outcome; and every operation by invocation, to find
        // the earliest unordered one.
        var knownLeft = operations.filter { $0.output != nil }.count
        let byInvocation = operations.indices.sorted { operations[$0].timeFrom < operations[$1].timeFrom }
        // Known grants, by the token they report.
        let grants = operations.indices.compactMap { position in
            SequentialModel.reportedToken(operations[position]).map { (position: position, token: $0) }
        }.sorted { $0.token < $1.token }
        let earlierTwin = Self.earlierTwins(operations)
        var explored: Set<Explored> = []
        var stack: [Frame] = []
        var deepestOrder: [Int] = []
        var deepestState = initialState
        var exploredStates = 0
        var entry = next[head]

        /// `state` with each lock's time lower bound forgotten where no unordered operation (of
        /// those not in `ordered`) can feel it: it is at or below all their invocations.
        func forgettingTime(_ state: [ResourceState], ordered: OperationSet) -> [ResourceState] {
            guard let first = byInvocation.first(where: { !ordered.contains($0) }) else { return state }
            let earliest = operations[first].timeFrom
            var result = state
            for slot in result.indices {
                if case .lock(var lock) = result[slot], lock.now != .min, lock.now <= earliest {
                    lock.now = .min
                    result[slot] = .lock(lock)
                }
            }
            return result
        }

        /// Whether some known grant not in `ordered` can never be ordered after `state`.
        func isDeadEnd(_ state: [ResourceState], ordered: OperationSet) -> Bool {
            for grant in grants where !ordered.contains(grant.position) {
                if SequentialModel.cannotGrant(grant.token, operations[grant.position], after: state) { return true }
                // The earliest unordered grant is still possible; later tokens are larger still.
                return false
            }
            return false
        }

        /// Orders the operation of `call` next with its first new outcome from `choice` on.
        func tryOrder(_ call: Int, from choice: Int) -> Bool {
            let operation = call >> 1
            if let twin = earlierTwin[operation], !ordered.contains(twin) { return false }
            let successors = SequentialModel.successors(state, operations[operation], lockLapse: lockLapse)
            let unknown = operations[operation].output == nil
            var option = choice
            while option < successors.count {
                if unknown && knownLeft > 0 && SequentialModel.isDominated(successors[option], by: state) {
                    option += 1
                    continue
                }
                var after = ordered
                after.insert(operation)
                let next = forgettingTime(successors[option], ordered: after)
                if unknown && isDeadEnd(next, ordered: after) {
                    option += 1
                    continue
                }
                if explored.insert(Explored(ordered: after, state: next)).inserted {
                    exploredStates += 1
                    stack.append(Frame(call: call, stateBefore: state, choice: option))
                    state = next
                    ordered = after
                    if !unknown { knownLeft -= 1 }
                    unlink(call)
                    unlink(call + 1)
                    if stack.count > deepestOrder.count {
                        deepestOrder = stack.map { $0.call >> 1 }
                        deepestState = state
                    }
                    return true
                }
                option += 1
            }
            return false
        }

        while next[head] != -1 {
            if exploredStates > stateBudget {
                return .budgetExhausted(exploredStates: exploredStates)
            }
            if entry & 1 == 0 {
                entry = tryOrder(entry, from: 0) ? next[head] : next[entry]
            } else {
                guard let frame = stack.popLast() else {
                    return .notLinearizable(deepestOrder: deepestOrder, deepestState: deepestState, exploredStates: exploredStates)
                }
                state = frame.stateBefore
                ordered.remove(frame.call >> 1)
                if operations[frame.call >> 1].output != nil { knownLeft += 1 }
                relink(frame.call + 1)
                relink(frame.call)
                entry = tryOrder(frame.call, from: frame.choice + 1) ? next[head] : next[frame.call]
            }
        }
        return .linearizable(exploredStates: exploredStates)
    }

    /// For each operation with an unknown outcome and no time window, the latest-invoked earlier
    /// one with the same action (ties by position), which must be ordered first; `nil` otherwise.
    static func earlierTwins(_ operations: [SearchOperation]) -> [Int?] {
        var twins = [Int?](repeating: nil, count: operations.count)
        var latest: [ModelAction: Int] = [:]
        let candidates = operations.indices.filter {
            operations[$0].output == nil && operations[$0].timeFrom == .min && operations[$0].timeTo == .max
        }
        for position in candidates.sorted(by: { (operations[$0].invocation, $0) < (operations[$1].invocation, $1) }) {
            twins[position] = latest[operations[position].action]
            latest[operations[position].action] = position
        }
        return twins
    }

    /// `events` (sorted by time) with each run of calls between two returns reordered: calls of
    /// operations with a known outcome first, in their order, then those with an unknown one.
    /// A call may be ordered when no return is before it in the list, so this changes only the
    /// order in which candidates are tried.
    static func knownCallsFirst(_ events: [Int], _ operations: [SearchOperation]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(events.count)
        var unknownCalls: [Int] = []
        for event in events {
            if event & 1 == 1 {
                result.append(contentsOf: unknownCalls)
                unknownCalls.removeAll(keepingCapacity: true)
                result.append(event)
            } else if operations[event >> 1].output == nil {
                unknownCalls.append(event)
            } else {
                result.append(event)
            }
        }
        result.append(contentsOf: unknownCalls)
        return result
    }
}
