import Consensus
import ConsensusNetwork

/// A lock with expiry and fencing tokens, decided by the replicated state machine.
///
/// **Guarantees** (raft):
/// - *Mutual exclusion by the log*: a grant is an entry applied in log order, so at any point of
///   the log at most one holder has a live grant. Expiry is judged against the time the leader
///   stamped on the entry (store time, see `LeaderClock`: counted by the leader on its monotonic
///   clock, never faster than real time), never a client's or a member's wall clock, so every
///   member decides the same and no clock stepping forward or back can shorten a grant.
/// - *Mutual exclusion in real time, for holders that are not paused*: ``acquire(ttl:wait:)`` and
///   ``withLock(ttl:wait:_:)`` count the TTL from when the request was sent, on this process's
///   monotonic clock, so a holder stops acting as one before its grant can lapse; a grant heard
///   too late to be of use is released, not returned. The simulator checks this under faults,
///   clock steps and pauses (`RecipeSimulationTests`).
/// - *Fencing tokens*: every grant carries a token strictly larger than every earlier grant of
///   the same lock (across releases, expiries, leader changes and snapshots).
/// - Only the holder, with its token, can renew or release.
/// - *A grant never gets shorter*: a renewal, like an acquire by the current holder, moves the
///   expiry to `clock + ttl` only if that is later than the grant's expiry, and otherwise keeps
///   it. So every answer the holder has heard stays true (``LockLease`` keeps the latest
///   `validUntil` it was told), a late or short renewal cannot pull the lapse forward under a
///   holder that counts on it, and the simulator's checks (the history's model of locks, which
///   records renewals, and ``LockBeliefChecker``'s holders' beliefs) rely on the same rule.
///
/// **Why a lock alone is not enough.** A holder can be paused (a GC pause, a swapped-out process,
/// a long network delay) past its TTL without noticing. Meanwhile the lock expires and someone
/// else gets it. When the first holder wakes up it still *believes* it holds the lock and writes
/// to the resource: two holders are writing. No client-side check can close this gap, because the
/// pause can happen right after the check. **The token fixes it**: send the token with every
/// write, and let the resource remember the highest token it has seen and refuse lower ones (see
/// ``FencedResource``). The newer holder's token is larger, so once it has written, the paused
/// holder's writes are refused.
///
/// The lesson's lock (`propose("lock:" + resource, {holder, expires})`) has none of this: the put
/// is unconditional, so two clients are both told they acquired it; expiry is the holder's own
/// `Date.now()` and `setTimeout`; and there is no token.
///
/// **Mechanism**: raft. With simple_majority every call throws ``RecipeError/needsRaft(recipe:)``.
///
/// ```swift
/// let lock = DistributedLock("invoice-42", holder: "worker-7", on: node)
/// try await lock.withLock(ttl: .seconds(10), wait: .seconds(30)) { token in
///     try await storage.write(invoice, fencingToken: token)
/// }
/// ```
public struct DistributedLock: Sendable {
    /// The lock's name (locks live in their own namespace, apart from keys).
    public let name: String
    /// Who asks for it. Give every process (or task) that may contend its own holder name:
    /// acquiring again with the same name returns the same grant (same token, extended).
    public let holder: String
    /// The member proposals go through.
    public let node: ConsensusTrait
    /// The backoff between attempts while waiting for the lock (the attempt limit is ignored:
    /// the wait's duration bounds it).
    public var retry: RetryPolicy

    /// Creates a handle; nothing is proposed until ``acquire(ttl:wait:)``.
    /// - Parameters:
    ///   - name: the lock's name.
    ///   - holder: this contender's unique name.
    ///   - node: the member to go through.
    ///   - retry: the backoff while waiting.
    public init(_ name: String, holder: String, on node: ConsensusTrait,
                retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(200))) {
        self.name = name
        self.holder = holder
        self.node = node
        self.retry = retry
    }

    /// Takes the lock for `ttl` of store time.
    ///
    /// A retry after a timed-out attempt is safe: if that attempt was granted, asking again as the
    /// same holder returns the same grant (extended). A grant whose answer arrives after this
    /// call's own TTL has passed (measured from when the request was sent) is not returned: it is
    /// released and the wait goes on (see ``LockAcquisition``).
    /// - Parameters:
    ///   - ttl: how long the grant lasts unless renewed (at least 1 ms).
    ///   - wait: `nil` to try once; otherwise keep trying (with jittered backoff) until granted or
    ///     this much time has passed.
    /// - Returns: the grant, with its fencing token.
    /// - Throws: ``RecipeError/lockNotAcquired(name:waited:)`` when no grant of our own came in
    ///   time (someone else held it, or a grant came too late to use and was released; an earlier
    ///   attempt with an unknown outcome may still become a grant, which lapses after its TTL);
    ///   ``RecipeError/outcomeUnknown(key:reason:)`` if the last attempt timed out (the lock may
    ///   be ours until its TTL passes); ``RecipeError/notApplied(key:reason:)`` (for example no
    ///   quorum on this side of a partition: the wait ends there, even with time left).
    public func acquire(ttl: Duration, wait: Duration? = nil) async throws(RecipeError) -> LockGrant {
        try await acquireLease(ttl: ttl, wait: wait, clock: RecipeClock(node.clock)).grant
    }

    /// A grant, and until when this process may act as its holder.
    public struct HeldLock: Sendable, Hashable {
        /// The grant (its ``LockGrant/token`` goes with every write to the protected resource).
        public var grant: LockGrant
        /// Until when the grant surely lasts, on the member's clock (``ConsensusTrait/clock``,
        /// compare with its `now()`): the TTL counted from when the granted request was sent.
        /// Stop acting as the holder at this instant.
        public var validUntil: Duration
        let clock: RuntimeClock

        /// Whether this process may still act as the holder.
        public var isValid: Bool { clock.now() < validUntil }

        public static func == (a: HeldLock, b: HeldLock) -> Bool { a.grant == b.grant && a.validUntil == b.validUntil }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(grant)
            hasher.combine(validUntil)
        }
    }

    /// ``acquire(ttl:wait:)``, also saying until when this process may act as the holder (for a
    /// caller that does not use ``withLock(ttl:wait:_:)`` and renews by itself).
    public func acquireHeld(ttl: Duration, wait: Duration? = nil) async throws(RecipeError) -> HeldLock {
        let clock = RecipeClock(node.clock)
        let lease = try await acquireLease(ttl: ttl, wait: wait, clock: clock)
        let validUntil = node.clock.now() + .milliseconds(lease.validUntil - clock.now)
        return HeldLock(grant: lease.grant, validUntil: validUntil, clock: node.clock)
    }

    /// ``acquire(ttl:wait:)``, returning the lease: until when, on `clock`, the grant surely lasts.
    func acquireLease(ttl: Duration, wait: Duration?, clock: RecipeClock) async throws(RecipeError) -> LockLease {
        try node.requireRaft("DistributedLock")
        var acquisition = LockAcquisition(name: name, holder: holder, ttlMilliseconds: RecipeClock.milliseconds(ttl),
                                          waitMilliseconds: wait.map { RecipeClock.milliseconds($0, atLeastOne: false) }, now: clock.now)
        while true {
            let outcome = await node.outcome(ofRecipe: acquisition.request(now: clock.now))
            switch acquisition.answer(outcome, now: clock.now) {
            case .granted(let lease):
                return lease
            case .again(let attempt, let late):
                await releaseUnused(late)
                let left = Duration.milliseconds(max(0, acquisition.deadline - clock.now))
                let pause = min(retry.backoff(afterAttempt: attempt), left)
                if pause > .zero { try? await clock.sleep(for: pause) }
            case .failed(let error, let late):
                await releaseUnused(late)
                throw error
            }
        }
    }

    /// Releases a grant that came too late to be used (if any), whatever comes of the release:
    /// ``LockAcquisition`` never hands that grant out again.
    private func releaseUnused(_ grant: LockGrant?) async {
        guard let grant else { return }
        _ = await node.outcome(ofRecipe: .lockRelease(name: name, holder: holder, token: grant.token))
    }

    /// Extends a grant that is still live to `ttl` from now (store time), or leaves it as it is
    /// if it already lasts longer: a renewal never shortens a grant.
    /// - Returns: the extended grant (same token, and the expiry it now has).
    /// - Throws: ``RecipeError/lockLost(name:token:)`` if the grant lapsed or is not this
    ///   holder's; ``RecipeError/outcomeUnknown(key:reason:)`` or
    ///   ``RecipeError/notApplied(key:reason:)`` if the renewal did not get an answer.
    @discardableResult
    public func renew(_ grant: LockGrant, ttl: Duration) async throws(RecipeError) -> LockGrant {
        try node.requireRaft("DistributedLock")
        var lease = LockLease(grant: grant, validUntil: 0, ttlMilliseconds: RecipeClock.milliseconds(ttl))
        switch lease.renewed(await node.outcome(ofRecipe: lease.renewal), sentAt: 0) {
        case .renewed: return lease.grant
        case .lost(let error), .noAnswer(let error): throw error
        }
    }

    /// Frees the lock if this holder's grant with `token` is the latest one.
    /// - Returns: `true` if it was freed; `false` if the token is stale or not this holder's
    ///   (nothing changed).
    @discardableResult
    public func release(token: UInt64) async throws(RecipeError) -> Bool {
        try node.requireRaft("DistributedLock")
        let outcome = await node.outcome(ofRecipe: .lockRelease(name: name, holder: holder, token: token))
        switch try outcome.answer(key: name).result {
        case .lockReleased(let freed): return freed
        case let other: throw .rejected(key: name, reason: "unexpected answer \(other)")
        }
    }

    /// Frees `grant` (see ``release(token:)``).
    @discardableResult
    public func release(_ grant: LockGrant) async throws(RecipeError) -> Bool {
        try await release(token: grant.token)
    }
}
