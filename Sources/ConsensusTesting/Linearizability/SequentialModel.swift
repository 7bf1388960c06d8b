// The sequential specification the checker searches against: registers, counters and locks.
// A sub-history's state is one `ResourceState` per resource it touches; `successors` says which
// states an operation can lead to (none: it cannot go next; two: an unknown outcome that could go
// either way), and `refusal` says in words why it cannot.

/// The state of one resource in the sequential specification.
enum ResourceState: Hashable {
    /// A register's value (`nil`: absent).
    case register(String?)
    /// A counter's value.
    case counter(Int64)
    /// A lock.
    case lock(LockState)

    /// The state before any operation.
    static func initial(_ kind: ModelResource.Kind) -> ResourceState {
        switch kind {
        case .register: return .register(nil)
        case .counter: return .counter(0)
        case .lock: return .lock(LockState())
        }
    }
}

/// A lock in the specification: its latest grant and fencing token.
///
/// Expiry uses the history's logical time. The search does not fix the exact point at which each
/// operation took effect; it keeps bounds instead: `now` is a lower bound on the point of the last
/// operation ordered, and the latest grant lapses somewhere in `expiresEarliest...expiresLatest`
/// (its point plus its ttl; with ``LinearizabilityChecker/LockLapse/notBefore``, that or any time
/// after, so `expiresLatest` is `Int64.max`). An outcome is accepted if some point within those
/// bounds explains it. This relaxation never rejects a linearizable history; it may, rarely,
/// accept a history whose timing constraints are only jointly impossible.
struct LockState: Hashable {
    /// Who holds the latest grant (`nil`: never granted, or released). The grant may have lapsed.
    var holder: String?
    /// The token of the latest grant (0: never granted). Every new grant must carry a larger one.
    var token: UInt64 = 0
    /// The earliest time at which the latest grant lapses (`Int64.max`: never).
    var expiresEarliest: Int64 = .max
    /// The latest time at which the latest grant lapses (`Int64.max`: never, or without bound).
    var expiresLatest: Int64 = .max
    /// A lower bound on the point of the last operation ordered (`Int64.min` when no operation on
    /// this lock has a ttl, so that the time does not split otherwise equal states).
    var now: Int64 = .min
}

/// An operation as the search sees it: a slot for each of its resources in the sub-history's state.
struct SearchOperation {
    /// Its index in the checked history.
    var index: Int
    /// Real-time order: invocation and response (`Int64.max` when unknown).
    var invocation: Int64
    var response: Int64
    /// Invocation and response as the lock model sees time: the same, or `Int64.min`/`Int64.max`
    /// when no lock operation of the sub-history has a ttl.
    var timeFrom: Int64
    var timeTo: Int64
    var action: ModelAction
    /// `nil`: unknown outcome.
    var output: ModelOutput?
    /// Where each of `action.resources` sits in the state array.
    var slots: [Int]
}

enum SequentialModel {
    /// The states `operation` can lead to from `state`; empty if it cannot be ordered next.
    /// `lockLapse` says when a lock grant with a ttl lapses.
    static func successors(
        _ state: [ResourceState], _ operation: SearchOperation, lockLapse: LinearizabilityChecker.LockLapse
    ) -> [[ResourceState]] {
        let slot = operation.slots[0]
        switch (operation.action, state[slot]) {
        case (.put(_, let value), .register(let current)):
            switch operation.output {
            case nil, .written?: return [replacing(state, slot, .register(value))]
            case .replaced(let previous)? where previous == current: return [replacing(state, slot, .register(value))]
            default: return []
            }
        case (.delete, .register(let current)):
            switch operation.output {
            case nil, .written?: return [replacing(state, slot, .register(nil))]
            case .replaced(let previous)? where previous == current: return [replacing(state, slot, .register(nil))]
            default: return []
            }
        case (.get, .register(let current)):
            if case .value(let read)? = operation.output, read == current { return [state] }
            return operation.output == nil ? [state] : []
        case (.compareAndSwap(_, let expected, let new), .register(let current)):
            let holds = current == expected
            switch operation.output {
            case nil: return [holds ? replacing(state, slot, .register(new)) : state]
            case .swapped(true)? where holds: return [replacing(state, slot, .register(new))]
            case .swapped(false)? where !holds: return [state]
            default: return []
            }
        case (.counterAdd(_, let delta), .counter(let current)):
            let (sum, overflow) = current.addingReportingOverflow(delta)
            if overflow { return [] }
            switch operation.output {
            case nil, .written?: return [replacing(state, slot, .counter(sum))]
            case .counter(let value)? where value == sum: return [replacing(state, slot, .counter(sum))]
            default: return []
            }
        case (.counterRead, .counter(let current)):
            if case .counter(let value)? = operation.output, value == current { return [state] }
            return operation.output == nil ? [state] : []
        case (.counterBatch(let deltas), _):
            var next = state
            var values: [String: Int64] = [:]
            for (resource, slot) in zip(operation.action.resources, operation.slots) {
                guard case .counter(let current) = state[slot] else { return [] }
                let (sum, overflow) = current.addingReportingOverflow(deltas[resource.name]!)
                if overflow { return [] }
                next[slot] = .counter(sum)
                values[resource.name] = sum
            }
            switch operation.output {
            case nil, .written?: return [next]
            case .counters(let reported)? where reported == values: return [next]
            default: return []
            }
        case (.lockAcquire(_, let holder, let ttl), .lock(let lock)):
            return acquire(state, slot, lock, holder: holder, ttl: ttl, operation, lockLapse: lockLapse)
        case (.lockRenew(_, let holder, let token, let ttl), .lock(let lock)):
            return renew(state, slot, lock, holder: holder, token: token, ttl: ttl, operation, lockLapse: lockLapse)
        case (.lockRelease(_, let holder, let token), .lock(let lock)):
            let from = max(lock.now, operation.timeFrom)
            if from > operation.timeTo { return [] }
            let matches = lock.holder == holder && lock.token == token
            var next = lock
            next.now = from
            if matches {
                next.holder = nil
                next.expiresEarliest = .max
                next.expiresLatest = .max
            }
            switch operation.output {
            case nil, .released(matches)?: return [replacing(state, slot, .lock(next))]
            default: return []
            }
        default:
            return []
        }
    }

    /// An acquire: a retry by the live holder returns its grant, extended; a free or lapsed lock
    /// is granted with a larger token; a live grant to someone else refuses, and so does any lock
    /// to a request that takes effect after its own ttl. A new grant lapses at its point
    /// plus `ttl`, or with ``LinearizabilityChecker/LockLapse/notBefore`` at that time or later.
    private static func acquire(
        _ state: [ResourceState], _ slot: Int, _ lock: LockState, holder: String, ttl: Int64?, _ operation: SearchOperation,
        lockLapse: LinearizabilityChecker.LockLapse
    ) -> [[ResourceState]] {
        let from = max(lock.now, operation.timeFrom)
        if from > operation.timeTo { return [] }
        let held = lock.holder != nil
        let canBeLive = held && from < lock.expiresLatest
        let canBeLapsed = held && lock.expiresEarliest != .max && max(from, lock.expiresEarliest) <= operation.timeTo
        var unchanged = lock
        unchanged.now = from

        func granted(token: UInt64) -> [ResourceState] {
            var next = LockState(holder: holder, token: token)
            next.now = held ? max(from, lock.expiresEarliest) : from
            if let ttl {
                next.expiresEarliest = saturatingAdd(next.now, ttl)
                switch lockLapse {
                case .exact: next.expiresLatest = saturatingAdd(operation.timeTo, ttl)
                case .notBefore, .clockMayGoBack: next.expiresLatest = .max
                }
            }
            return replacing(state, slot, .lock(next))
        }

        // A retry by the live holder extends its grant to at least its point plus `ttl` (for
        // ever without a ttl).
        let extended = extending(lock, from: from, ttl: ttl, operation, lockLapse: lockLapse)
        let staleRefusal = stale(state, slot, lock, from: from, ttl: ttl, operation, lockLapse: lockLapse)

        switch operation.output {
        case .granted(let token)?:
            if canBeLive && lock.holder == holder && token == lock.token {
                return [replacing(state, slot, .lock(extended))]
            }
            if (!held || canBeLapsed) && token > lock.token { return [granted(token: token)] }
            return []
        case .refused?:
            var result: [[ResourceState]] = []
            if canBeLive && lock.holder != holder { result.append(replacing(state, slot, .lock(unchanged))) }
            if let staleRefusal { result.append(staleRefusal) }
            return result
        case nil:
            // Unknown: it may have found the grant live (a retry extends it; a refusal changes
            // nothing but time), been stale, or found the lock free or lapsed (a new grant,
            // assumed to carry the next token, as the runtime's lock does).
            var result: [[ResourceState]] = []
            if canBeLive { result.append(replacing(state, slot, .lock(lock.holder == holder ? extended : unchanged))) }
            if let staleRefusal { result.append(staleRefusal) }
            if !held || canBeLapsed { result.append(granted(token: lock.token + 1)) }
            return result
        default:
            return []
        }
    }

    /// A renewal: granted (same token) only while the renewer's grant may be live, extending it
    /// as a retry by the holder does (never shortening it); refused when the latest grant is not
    /// the renewer's with this token, or may have lapsed by the renewal's point, or (with a clock
    /// that may go back) when the renewal is stale.
    private static func renew(
        _ state: [ResourceState], _ slot: Int, _ lock: LockState, holder: String, token: UInt64, ttl: Int64,
        _ operation: SearchOperation, lockLapse: LinearizabilityChecker.LockLapse
    ) -> [[ResourceState]] {
        let from = max(lock.now, operation.timeFrom)
        if from > operation.timeTo { return [] }
        let matches = lock.holder == holder && lock.token == token
        let canBeLive = matches && from < lock.expiresLatest
        var refusal: [ResourceState]?
        if !matches {
            var unchanged = lock
            unchanged.now = from
            refusal = replacing(state, slot, .lock(unchanged))
        } else if lock.expiresEarliest != .max && max(from, lock.expiresEarliest) <= operation.timeTo {
            // The grant lapsed at the refusal's point, no earlier than it may lapse.
            var lapsed = lock
            lapsed.now = max(from, lock.expiresEarliest)
            refusal = replacing(state, slot, .lock(lapsed))
        }
        let staleRefusal = stale(state, slot, lock, from: from, ttl: ttl, operation, lockLapse: lockLapse)
        var result: [[ResourceState]] = []
        switch operation.output {
        case .granted(token)?:
            if canBeLive { result.append(replacing(state, slot, .lock(extending(lock, from: from, ttl: ttl, operation, lockLapse: lockLapse)))) }
        case .refused?:
            if let refusal { result.append(refusal) }
            if let staleRefusal { result.append(staleRefusal) }
        case nil:
            if canBeLive { result.append(replacing(state, slot, .lock(extending(lock, from: from, ttl: ttl, operation, lockLapse: lockLapse)))) }
            if let refusal { result.append(refusal) }
            if let staleRefusal { result.append(staleRefusal) }
        default:
            break
        }
        return result
    }

    /// The live grant in `lock`, extended by a retry or a renewal taking effect at `from` or later
    /// (up to the operation's response): it lapses no earlier than before, nor than its point
    /// plus `ttl` (never, without a ttl).
    private static func extending(
        _ lock: LockState, from: Int64, ttl: Int64?, _ operation: SearchOperation, lockLapse: LinearizabilityChecker.LockLapse
    ) -> LockState {
        var extended = lock
        extended.now = from
        extended.expiresEarliest = ttl.map { max(lock.expiresEarliest, saturatingAdd(from, $0)) } ?? .max
        switch (lockLapse, ttl) {
        case (.exact, let ttl?): extended.expiresLatest = max(lock.expiresLatest, saturatingAdd(operation.timeTo, ttl))
        default: extended.expiresLatest = .max
        }
        return extended
    }

    /// With a clock that may go back: a request whose own ttl is over when it takes effect (its
    /// point is at or after its invocation plus `ttl`) is refused and changes nothing, whoever
    /// holds the lock. The state after such a refusal, or `nil` when it cannot happen.
    private static func stale(
        _ state: [ResourceState], _ slot: Int, _ lock: LockState, from: Int64, ttl: Int64?, _ operation: SearchOperation,
        lockLapse: LinearizabilityChecker.LockLapse
    ) -> [ResourceState]? {
        guard let ttl, lockLapse == .clockMayGoBack else { return nil }
        let point = max(from, saturatingAdd(operation.timeFrom, ttl))
        guard point <= operation.timeTo else { return nil }
        var stale = lock
        stale.now = point
        return replacing(state, slot, .lock(stale))
    }

    /// The fencing token a known grant (an acquire or renewal answered with a grant) reports, or
    /// `nil` for any other operation.
    static func reportedToken(_ operation: SearchOperation) -> UInt64? {
        guard case .granted(let token)? = operation.output else { return nil }
        switch operation.action {
        case .lockAcquire, .lockRenew: return token
        default: return nil
        }
    }

    /// Whether `operation`, a known grant of `token`, can never be ordered from `state` nor from
    /// any state after it: a lock's token never decreases, so a lock past `token`, or at `token`
    /// under another holder (or released), can never grant it.
    static func cannotGrant(_ token: UInt64, _ operation: SearchOperation, after state: [ResourceState]) -> Bool {
        guard case .lock(let lock) = state[operation.slots[0]] else { return false }
        switch operation.action {
        case .lockAcquire(_, let holder, _), .lockRenew(_, let holder, _, _):
            return lock.token > token || (lock.token == token && lock.holder != holder)
        default:
            return false
        }
    }

    /// Whether `after` allows no more than `before` does: every operation that can follow
    /// `after` can follow `before` too, reaching a state that again allows at least as much.
    /// Registers and counters must be equal; a lock must have the same holder and token, a time
    /// lower bound no lower, a lapse no earlier at the earliest and no later at the latest (the
    /// search's relaxed bounds only get easier to meet with a lower time, an earlier earliest
    /// lapse and a later latest one). An operation with an unknown outcome leading from `before`
    /// to such an `after` changed nothing anyone can see.
    static func isDominated(_ after: [ResourceState], by before: [ResourceState]) -> Bool {
        for (a, b) in zip(after, before) where a != b {
            guard case .lock(let x) = a, case .lock(let y) = b, x.holder == y.holder, x.token == y.token,
                  x.now >= y.now, x.expiresEarliest >= y.expiresEarliest, x.expiresLatest <= y.expiresLatest
            else { return false }
        }
        return true
    }

    /// Why `operation` cannot be ordered next from `state`, in a few words.
    static func refusal(_ state: [ResourceState], _ operation: SearchOperation) -> String {
        let slot = operation.slots[0]
        switch state[slot] {
        case .register(let value):
            return "the register holds \(show(value))"
        case .counter:
            let values = operation.slots.map { slot -> String in
                guard case .counter(let value) = state[slot] else { return "?" }
                return String(value)
            }
            return operation.slots.count == 1
                ? "the counter is \(values[0])" : "the counters are \(values.joined(separator: ", "))"
        case .lock(let lock):
            let from = max(lock.now, operation.timeFrom)
            if from > operation.timeTo {
                return "it returned at \(operation.timeTo), before the earliest time it could take effect (\(from))"
            }
            var text: String
            if let holder = lock.holder {
                text = "the lock is held by \(holder.debugDescription) with token \(lock.token)"
                if lock.expiresLatest != .max {
                    text += ", lapsing between \(lock.expiresEarliest) and \(lock.expiresLatest)"
                } else if lock.expiresEarliest != .max {
                    text += ", lapsing no earlier than \(lock.expiresEarliest)"
                }
            } else {
                text = "the lock is free (last token \(lock.token))"
            }
            if case .granted(let token)? = operation.output, token <= lock.token {
                text += "; a new grant needs a token above \(lock.token)"
            }
            return text
        }
    }

    static func show(_ value: String?) -> String {
        value.map { $0.debugDescription } ?? "nothing"
    }

    private static func replacing(_ state: [ResourceState], _ slot: Int, _ value: ResourceState) -> [ResourceState] {
        var next = state
        next[slot] = value
        return next
    }

    private static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
