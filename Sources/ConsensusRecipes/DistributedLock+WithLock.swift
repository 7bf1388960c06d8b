import Consensus

extension DistributedLock {
    /// Takes the lock, runs `body` with the fencing token while renewing the grant in the
    /// background, and releases the lock when `body` returns or throws.
    ///
    /// If a renewal is refused, or no renewal succeeds before the TTL measured from the last
    /// successful one passes, the lock is considered lost: `body` is cancelled (cooperatively: it
    /// should check `Task.isCancelled` or use cancellable calls), and once it has returned this
    /// throws ``RecipeError/lockLost(name:token:)``. Between losing the lock and noticing, `body`
    /// may still run: that is why it should pass `token` to whatever it writes to, and that
    /// resource should refuse stale tokens (``FencedResource``).
    ///
    /// A release that fails (no answer) is not retried: the grant lapses after its TTL.
    /// - Parameters:
    ///   - ttl: the grant's TTL; renewed every `ttl / 3`.
    ///   - wait: see ``acquire(ttl:wait:)``.
    ///   - body: the critical section; it receives the fencing token.
    /// - Returns: what `body` returns.
    /// - Throws: what ``acquire(ttl:wait:)`` throws, what `body` throws, or
    ///   ``RecipeError/lockLost(name:token:)``.
    public func withLock<T: Sendable>(
        ttl: Duration, wait: Duration? = nil, _ body: @escaping @Sendable (_ token: UInt64) async throws -> T
    ) async throws -> T {
        let (grant, requested) = try await acquireNotingRequestTime(ttl: ttl, wait: wait)
        let (result, lost) = await withTaskGroup(of: Step<T>.self) { group -> (Result<T, any Error>?, RecipeError?) in
            group.addTask {
                do { return .finished(.success(try await body(grant.token))) } catch { return .finished(.failure(error)) }
            }
            group.addTask { await keepRenewing(grant, ttl: ttl, requested: requested) }
            var result: Result<T, any Error>?
            var lost: RecipeError?
            for await step in group {
                switch step {
                case .finished(let r):
                    result = r
                    group.cancelAll()       // stops the renewer
                case .lost(let error):
                    lost = error
                    group.cancelAll()       // asks the body to stop
                case .stopped:
                    break
                }
            }
            return (result, lost)
        }
        if let lost { throw lost }
        _ = try? await release(grant)
        return try result!.get()
    }

    /// What a child task of ``withLock(ttl:wait:_:)`` reports.
    private enum Step<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case lost(RecipeError)
        case stopped
    }

    /// Renews every `ttl / 3` until cancelled (`.stopped`) or the grant is lost (`.lost`).
    private func keepRenewing<T>(_ grant: LockGrant, ttl: Duration, requested: ContinuousClock.Instant) async -> Step<T> {
        let clock = ContinuousClock()
        // The grant surely lasts until `ttl` after the request that made or renewed it was sent.
        var validUntil = requested + ttl
        while true {
            try? await Task.sleep(for: ttl / 3)
            if Task.isCancelled { return .stopped }
            let sent = clock.now
            do {
                try await renew(grant, ttl: ttl)
                validUntil = sent + ttl
            } catch {
                if case .lockLost = error { return .lost(error) }
                // No answer: keep trying while the last good renewal still covers us.
                if clock.now >= validUntil { return .lost(.lockLost(name: name, token: grant.token)) }
            }
        }
    }
}
