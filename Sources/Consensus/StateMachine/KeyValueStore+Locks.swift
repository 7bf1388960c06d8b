// Locks with expiry and fencing tokens. Expiry is judged only against the store clock (the
// leader-stamped entry time, in store milliseconds), never a member's own clock, so every member
// decides the same. A request whose own TTL has passed in store time by the time it is applied
// is refused: its sender's deadline is over, and granting it would shut everyone else out for a
// whole TTL on behalf of a request nobody awaits. With the runtime's stamps (LeaderClock) this
// cannot happen: stamps never go back along the log, so at apply time the clock equals the
// request's own stamp. The rule is defence in depth against a stamp source that can go back (a
// wall clock); a waiter whose grant comes too late is protected by its own deadline instead
// (ConsensusRecipes' LockAcquisition releases such a grant unused).

/// A lock's state: its last fencing token (kept after release and expiry) and the current grant.
struct LockRecord: Sendable, Hashable, Codable {
    /// The token of the latest grant; the next grant gets `lastToken + 1`.
    var lastToken: UInt64
    /// The latest grant, until released. It may have expired: see ``KeyValueStore/lock(_:)``.
    var grant: LockGrant?
}

extension KeyValueStore {
    /// The current holder of lock `name`, if it is held and has not expired at ``clock``.
    public func lock(_ name: String) -> LockGrant? {
        guard let grant = locks[name]?.grant, clock < grant.expiresAt else { return nil }
        return grant
    }

    /// Every lock held and not expired at ``clock``, sorted by name.
    public var heldLocks: [LockGrant] {
        locks.keys.sorted().compactMap(lock)
    }

    /// The fencing token of the latest grant of lock `name` (0 if never granted).
    public func lastLockToken(_ name: String) -> UInt64 {
        locks[name]?.lastToken ?? 0
    }

    /// Grants the lock if it is free or expired (new token, expiry `clock + ttl`); if `holder`
    /// already holds it (a retry after a lost answer), returns the current grant extended to
    /// `clock + ttl` at least, so that the retry's own TTL holds, as the requester counts it from
    /// when it sent the retry; refuses (`nil`)
    /// if someone else holds it, or if the request itself is stale: its TTL, counted from its
    /// stamp, is over at ``clock`` (`clock >= stamp + ttl`). A refusal changes nothing.
    ///
    /// - Parameters:
    ///   - name: the lock.
    ///   - holder: who asks.
    ///   - ttlMilliseconds: the grant's TTL in store milliseconds (positive).
    ///   - stamp: the request's ``Command/time``.
    /// - Returns: `.lock(grant)`, `.lock(nil)` when refused, or `.rejected` for invalid arguments.
    mutating func acquireLock(name: String, holder: String, ttlMilliseconds: Int64, stampedAt stamp: Int64) -> OperationResult {
        if let reason = Self.invalidLockArguments(name: name, holder: holder, ttlMilliseconds: ttlMilliseconds) {
            return .rejected(reason: reason)
        }
        guard !isStale(stampedAt: stamp, ttlMilliseconds: ttlMilliseconds) else { return .lock(nil) }
        var record = locks[name] ?? LockRecord(lastToken: 0, grant: nil)
        if var current = lock(name) {
            guard current.holder == holder else { return .lock(nil) }
            current.expiresAt = max(current.expiresAt, expiry(after: ttlMilliseconds))
            locks[name]!.grant = current
            return .lock(current)
        }
        record.lastToken += 1
        let grant = LockGrant(name: name, holder: holder, token: record.lastToken, expiresAt: expiry(after: ttlMilliseconds))
        record.grant = grant
        locks[name] = record
        return .lock(grant)
    }

    /// Extends the grant to `clock + ttl` if `holder` and `token` match, it has not expired and
    /// the request is not stale (`clock < stamp + ttl`, as for ``acquireLock``); refuses (`nil`)
    /// otherwise, changing nothing. A renewal never shortens a grant: a grant that already lasts
    /// beyond `clock + ttl` (a renewal with a shorter TTL, or one that waited in the log) keeps its
    /// expiry, as a re-acquire by the holder does. So the expiry of a grant only ever moves later,
    /// and every answer its holder has heard stays true.
    ///
    /// - Parameters:
    ///   - name: the lock.
    ///   - holder: who asks (must be the grant's holder).
    ///   - token: the grant's fencing token.
    ///   - ttlMilliseconds: the new TTL in store milliseconds (positive), from ``clock``.
    ///   - stamp: the request's ``Command/time``.
    /// - Returns: `.lock(grant)`, `.lock(nil)` when refused, or `.rejected` for invalid arguments.
    mutating func renewLock(name: String, holder: String, token: UInt64, ttlMilliseconds: Int64, stampedAt stamp: Int64) -> OperationResult {
        if let reason = Self.invalidLockArguments(name: name, holder: holder, ttlMilliseconds: ttlMilliseconds) {
            return .rejected(reason: reason)
        }
        guard !isStale(stampedAt: stamp, ttlMilliseconds: ttlMilliseconds) else { return .lock(nil) }
        guard var grant = lock(name), grant.holder == holder, grant.token == token else { return .lock(nil) }
        grant.expiresAt = max(grant.expiresAt, expiry(after: ttlMilliseconds))
        locks[name]!.grant = grant
        return .lock(grant)
    }

    /// Frees the lock if `holder` and `token` match its latest grant (even if that grant has just
    /// expired: nobody else took it); returns `false` otherwise. The token counter is kept.
    mutating func releaseLock(name: String, holder: String, token: UInt64) -> OperationResult {
        guard let grant = locks[name]?.grant, grant.holder == holder, grant.token == token else {
            return .lockReleased(false)
        }
        locks[name]!.grant = nil
        return .lockReleased(true)
    }

    /// `clock + ttl`, saturating at `Int64.max`.
    private func expiry(after ttlMilliseconds: Int64) -> Int64 {
        Self.saturatingSum(clock, ttlMilliseconds)
    }

    /// Whether a lock request stamped `stamp` with this TTL is over at ``clock``:
    /// `clock >= stamp + ttl`, the sum saturating at `Int64.max` (it never wraps around).
    private func isStale(stampedAt stamp: Int64, ttlMilliseconds: Int64) -> Bool {
        clock >= Self.saturatingSum(stamp, ttlMilliseconds)
    }

    /// `a + b` for a positive `b`, saturating at `Int64.max`.
    private static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Why these lock arguments are invalid, or `nil` if they are fine.
    private static func invalidLockArguments(name: String, holder: String, ttlMilliseconds: Int64) -> String? {
        if name.isEmpty { return "a lock name must not be empty" }
        if holder.isEmpty { return "a lock holder must not be empty" }
        if ttlMilliseconds <= 0 { return "a lock ttl must be positive, got \(ttlMilliseconds) ms" }
        return nil
    }
}
