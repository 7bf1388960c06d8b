/// The verdict of ``LockBeliefChecker``. Only ``consistent`` is a pass.
public enum LockBeliefResult: Sendable, Hashable, CustomStringConvertible {
    /// No two beliefs with different tokens overlap, tokens increase in grant order, and each
    /// token belongs to one holder.
    case consistent
    /// Two beliefs in the same lock with different tokens overlap: two clients (or one client
    /// twice) believed they held the lock at once. The first starts no later than the second.
    case overlapping(LockBelief, LockBelief)
    /// `earlier` started before `later` but carries a larger token: fencing tokens did not
    /// increase in grant order.
    case tokensOutOfOrder(earlier: LockBelief, later: LockBelief)
    /// Two different holders believed they held the same grant (the same token of the same lock).
    case tokenSharedByHolders(LockBelief, LockBelief)

    /// `true` only for ``consistent``.
    public var isConsistent: Bool { violation == nil }

    /// What is wrong, naming the two offending beliefs; `nil` when ``consistent``.
    public var violation: String? {
        switch self {
        case .consistent:
            return nil
        case .overlapping(let first, let second):
            return "lock \(first.lock.debugDescription): \(first) and \(second) overlap during "
                + "[\(max(first.from, second.from)), \(min(first.until, second.until))): two holders at once"
        case .tokensOutOfOrder(let earlier, let later):
            return "lock \(earlier.lock.debugDescription): \(earlier) came before \(later), "
                + "but tokens must increase in grant order"
        case .tokenSharedByHolders(let first, let second):
            return "lock \(first.lock.debugDescription): \(first) and \(second) share a token, "
                + "but a token names one grant to one holder"
        }
    }

    public var description: String {
        violation.map { "mutual exclusion violated: " + $0 } ?? "consistent"
    }
}
