// How a lock grant with a ttl lapses, as the checker assumes it: the choice between an exact
// store clock and one that may run slow (counted in the leader's ticks, standing still between
// leaders).

extension LinearizabilityChecker {
    /// When a lock grant with a ttl lapses, measured in the history's logical time.
    ///
    /// A grant takes effect at its linearization point, somewhere in its acquire's
    /// `[invocation, response]`. Either way, a grant to another holder is allowed only once the
    /// earlier grant may have lapsed, and every grant needs a larger fencing token, so two holders
    /// with overlapping minimal lifetimes and tokens that do not increase are caught in both modes.
    public enum LockLapse: Sendable, Hashable {
        /// The grant lapses exactly at its point plus its ttl: the store's clock runs with the
        /// history's time. A refusal after that instant is a violation.
        case exact
        /// The grant lapses at its point plus its ttl or at any time after, without bound: the
        /// store's clock may run slow, for instance counted in the leader's ticks and standing
        /// still between leaders. A refusal is explained whenever the grant may still be live
        /// (always, until someone else takes the lock); a grant to another holder still needs
        /// the earlier grant's point plus its ttl to be at or before the new grant's response.
        case notBefore
        /// As ``notBefore``, and besides, the store's clock may go back along the log (a wall
        /// clock stamped by each leader): a request can then be applied after its own ttl has
        /// passed in store time, and the store refuses it, whoever holds the lock. Such a refusal
        /// is explained when the request's point can be at or after its invocation plus its ttl.
        /// With a clock that never goes back (the runtime's `LeaderClock`) that cannot happen, so
        /// ``notBefore`` does not allow it.
        case clockMayGoBack
    }
}
