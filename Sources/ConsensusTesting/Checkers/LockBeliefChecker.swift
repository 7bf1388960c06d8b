/// Checks mutual exclusion from the holders' side: the intervals during which clients *believed*
/// they held a lock, in one global time.
///
/// On each lock: no two beliefs with different tokens overlap (intervals are half-open, so one
/// may start where another ends; beliefs with the same token are one grant, renewed or retried);
/// a belief that starts before another with a different token carries a lower token (tokens
/// strictly increase in grant order); and a token belongs to one holder. A renewal continues the
/// belief under the same token: a holder's belief ends where its lease does, and a lease (like the
/// grant in the store: a renewal never shortens a grant) only ever moves later. A belief that covers no
/// time (`until <= from`) is ignored. Locks are checked in name order, and on each lock the
/// beliefs in order of start: the first violation found is reported with the two beliefs at fault.
///
/// ```swift
/// var beliefs = LockBeliefChecker()
/// beliefs.record(lock: "l", holder: "a", token: 1, from: 0, until: 10)
/// beliefs.record(lock: "l", holder: "b", token: 2, from: 10, until: 20)
/// #expect(beliefs.check() == .consistent)
/// ```
public struct LockBeliefChecker: Sendable {
    /// The beliefs recorded so far, in recording order.
    public private(set) var beliefs: [LockBelief]

    /// Creates a checker.
    /// - Parameter beliefs: beliefs already known, in any order.
    public init(_ beliefs: [LockBelief] = []) {
        self.beliefs = beliefs
    }

    /// Records a belief.
    /// - Parameter belief: the interval during which a holder believed it held a lock.
    public mutating func record(_ belief: LockBelief) {
        beliefs.append(belief)
    }

    /// Records that `holder` believed it held `lock` with `token` during `[from, until)`.
    /// - Parameters:
    ///   - lock: the lock's name.
    ///   - holder: who believed it held the lock.
    ///   - token: the fencing token of its grant.
    ///   - from: when the belief began (included).
    ///   - until: when it ended (excluded).
    public mutating func record(lock: String, holder: String, token: UInt64, from: Int64, until: Int64) {
        record(LockBelief(lock: lock, holder: holder, token: token, from: from, until: until))
    }

    /// Checks the recorded beliefs.
    /// - Returns: ``LockBeliefResult/consistent``, or the first violation with its two beliefs.
    public func check() -> LockBeliefResult {
        let byLock = Dictionary(grouping: beliefs.filter { !$0.isEmpty }, by: \.lock)
        for lock in byLock.keys.sorted() {
            let result = Self.check(lock: byLock[lock]!)
            if !result.isConsistent { return result }
        }
        return .consistent
    }

    /// One lock's beliefs, swept in order of start. Two running records suffice: the belief
    /// reaching furthest, and the one reaching furthest among those with another token (so the
    /// furthest-reaching belief with a token other than the current one's is always at hand); and
    /// the belief with the largest token so far.
    static func check(lock beliefs: [LockBelief]) -> LockBeliefResult {
        let sorted = beliefs.sorted { ($0.from, $0.until, $0.token, $0.holder) < ($1.from, $1.until, $1.token, $1.holder) }
        var furthest: LockBelief?
        var furthestOtherToken: LockBelief?
        var largestToken: LockBelief?
        var holderOfToken: [UInt64: LockBelief] = [:]
        for belief in sorted {
            let other = furthest?.token != belief.token ? furthest : furthestOtherToken
            if let other, other.until > belief.from {
                return .overlapping(other, belief)
            }
            if let largestToken, largestToken.token > belief.token {
                return .tokensOutOfOrder(earlier: largestToken, later: belief)
            }
            if let first = holderOfToken[belief.token], first.holder != belief.holder {
                return .tokenSharedByHolders(first, belief)
            }

            holderOfToken[belief.token] = holderOfToken[belief.token] ?? belief
            if largestToken == nil || belief.token > largestToken!.token { largestToken = belief }
            if let current = furthest, current.token == belief.token {
                if belief.until > current.until { furthest = belief }
            } else if furthest == nil || belief.until > furthest!.until {
                furthestOtherToken = furthest
                furthest = belief
            } else if furthestOtherToken == nil || belief.until > furthestOtherToken!.until {
                furthestOtherToken = belief
            }
        }
        return .consistent
    }
}
