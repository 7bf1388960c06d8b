import Consensus

extension LeaderElection {
    /// Campaigns until elected, runs `body` as the leader while renewing the term in the
    /// background (every TTL / 3), and resigns when `body` returns or throws.
    ///
    /// If a renewal is refused, or none succeeds before the term's TTL counted from the last good
    /// one passes, the leadership is lost: `body` is cancelled (cooperatively) and, once it has
    /// returned, this throws ``RecipeError/leadershipLost(election:token:)``. Until `body`
    /// notices, it may still act: pass ``Leadership/token`` to what it writes to, so that the
    /// resource refuses it after the next leader's first write (``FencedResource``).
    ///
    /// ```swift
    /// try await election.withLeadership(value: "10.0.0.7:7000", wait: .seconds(60)) { term in
    ///     while !Task.isCancelled { try await runScheduler(fencingToken: term.token) }
    /// }
    /// ```
    /// - Parameters:
    ///   - value: the value to publish as the leader's.
    ///   - wait: see ``campaign(value:wait:)``.
    ///   - body: the leader's work; it receives the term.
    /// - Returns: what `body` returns.
    /// - Throws: what ``campaign(value:wait:)`` or `body` throws, or
    ///   ``RecipeError/leadershipLost(election:token:)``.
    public func withLeadership<T: Sendable>(
        value: ConsensusValue, wait: Duration? = nil, _ body: @escaping @Sendable (Leadership) async throws -> T
    ) async throws -> T {
        let term = try await campaign(value: value, wait: wait)
        let lock = DistributedLock(lockName, holder: candidate, on: node, retry: retry)
        let (result, lost) = await lock.holding(term.lease, renewEvery: ttl / 3, clock: term.clock,
                                                onRenewed: { term.renewed($0) }) { try await body(term) }
        if lost != nil { throw RecipeError.leadershipLost(election: name, token: term.token) }
        _ = try? await term.resign()
        return try result!.get()
    }
}
