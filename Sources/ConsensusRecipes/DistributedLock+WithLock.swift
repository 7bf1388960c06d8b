import Consensus
import ConsensusNetwork

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
    /// A release that fails (no answer) is not retried: the grant lapses after its TTL. Until then,
    /// a new acquisition under the same holder name may get that grant back extended, and the
    /// late release could then free it under the new holder: give each acquisition that may
    /// overlap such a release its own holder name.
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
        let clock = RecipeClock(node.clock)
        let lease = try await acquireLease(ttl: ttl, wait: wait, clock: clock)
        let (result, lost) = await holding(lease, renewEvery: ttl / 3, clock: clock) { try await body(lease.grant.token) }
        if let lost { throw lost }
        _ = try? await release(lease.grant)
        return try result!.get()
    }

    /// Runs `body` while renewing `lease` every `interval` in the background (calling
    /// `onRenewed` with each renewed lease), and cancels `body` if the lease is lost. Shared by
    /// ``withLock(ttl:wait:_:)`` and ``LeaderElection/withLeadership(value:wait:_:)``; neither
    /// acquires nor releases.
    /// - Returns: what `body` came to (`nil` only if it never finished), and the loss, if the
    ///   lease was lost while `body` ran.
    func holding<T: Sendable>(
        _ lease: LockLease, renewEvery interval: Duration, clock: RecipeClock,
        onRenewed: @escaping @Sendable (LockLease) -> Void = { _ in },
        _ body: @escaping @Sendable () async throws -> T
    ) async -> (result: Result<T, any Error>?, lost: RecipeError?) {
        await withTaskGroup(of: Step<T>.self) { group -> (Result<T, any Error>?, RecipeError?) in
            group.addTask {
                do { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
            }
            group.addTask { await keepRenewing(lease, every: interval, clock: clock, onRenewed: onRenewed) }
            var result: Result<T, any Error>?
            var lost: RecipeError?
            for await step in group {
                switch step {
                case .finished(let r):
                    result = r
                    group.cancelAll()       // stops the renewer
                case .lost(let error):
                    // After the body finished, the lock no longer matters.
                    if result == nil { lost = error }
                    group.cancelAll()       // asks the body to stop
                case .stopped:
                    break
                }
            }
            return (result, lost)
        }
    }

    /// What a child task of ``withLock(ttl:wait:_:)`` reports.
    private enum Step<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case lost(RecipeError)
        case stopped
    }

    /// Sends `lease`'s renewal and returns its answer, or `nil` if the lease runs out first.
    private func answerWithin(_ lease: LockLease, clock: RecipeClock) async -> ProposalOutcome? {
        let renewal = lease.renewal
        let deadline = lease.validUntil
        // Not a task group: a group would wait for the renewal even after the deadline. The
        // renewal goes on alone; its late answer is dropped.
        let (answers, sink) = AsyncStream<ProposalOutcome?>.makeStream(bufferingPolicy: .bufferingNewest(2))
        let node = self.node
        RuntimeExecutor.spawn { sink.yield(await node.outcome(ofRecipe: renewal)) }
        let timer = RuntimeExecutor.spawn {
            try? await clock.sleep(untilMilliseconds: deadline)
            sink.yield(nil)
        }
        var iterator = answers.makeAsyncIterator()
        let first = await iterator.next() ?? nil
        timer.cancel()
        sink.finish()
        return first
    }

    /// Renews every `interval` until cancelled (`.stopped`) or the lease is lost (`.lost`): a
    /// renewal is refused, or none was answered before the lease ran out on `clock`.
    private func keepRenewing<T>(_ lease: LockLease, every interval: Duration, clock: RecipeClock,
                                 onRenewed: @Sendable (LockLease) -> Void) async -> Step<T> {
        var lease = lease
        while true {
            try? await clock.sleep(for: interval)
            if Task.isCancelled { return .stopped }
            let sent = clock.now
            // Wait for the answer only while the lease lasts: a renewal that hangs must not keep
            // the body running past the moment the grant may lapse.
            guard let answer = await answerWithin(lease, clock: clock) else {
                // Cancelled while waiting (the body finished): not a loss.
                if Task.isCancelled { return .stopped }
                return .lost(.lockLost(name: name, token: lease.grant.token))
            }
            switch lease.renewed(answer, sentAt: sent) {
            case .renewed:
                onRenewed(lease)
            case .lost:
                return .lost(.lockLost(name: name, token: lease.grant.token))
            case .noAnswer:
                // Keep trying while the last good renewal still covers us.
                if !lease.isValid(at: clock.now) { return .lost(.lockLost(name: name, token: lease.grant.token)) }
            }
        }
    }
}
