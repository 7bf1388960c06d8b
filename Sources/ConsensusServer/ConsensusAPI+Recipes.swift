import Consensus
import ConsensusRecipes
import Hummingbird

extension ConsensusAPI {
    /// The longest lock TTL the API accepts: a year.
    static let ttlMillisecondsMax: Int64 = 365 * 24 * 3_600_000
    /// The longest wait for a lock the API accepts: ten minutes (a request holds a connection).
    static let waitMillisecondsMax: Int64 = 600_000

    func addLockRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/locks/:name/acquire") { request, context -> LockReply in
            let name = try Self.name(context)
            let acquire = try await body(LockAcquireRequest.self, request)
            _ = try Self.checkedTTL(acquire.ttlMs)
            if let wait = try Self.checkedWait(acquire.waitMs), wait > 0 {
                // Waiting: the recipe retries with backoff and releases grants that came too late.
                let lock = DistributedLock(name, holder: acquire.holder, on: node)
                do throws(RecipeError) {
                    let grant = try await lock.acquire(ttl: .milliseconds(acquire.ttlMs), wait: .milliseconds(wait))
                    return LockReply(acquired: true, token: grant.token, expiresAtMs: grant.expiresAt)
                } catch {
                    if case .lockNotAcquired = error { return LockReply(acquired: false) }
                    throw APIError(error)
                }
            }
            let (result, _) = try await appliedWithResult(.lockAcquire(name: name, holder: acquire.holder, ttlMilliseconds: acquire.ttlMs))
            guard case .lock(let grant) = result else { throw Self.unexpected(result) }
            return LockReply(acquired: grant != nil, token: grant?.token, expiresAtMs: grant?.expiresAt)
        }
        router.post("/v1/locks/:name/renew") { request, context -> LockRenewReply in
            let name = try Self.name(context)
            let renew = try await body(LockTokenRequest.self, request)
            let ttl = try Self.checkedTTL(renew.ttlMs)
            let (result, _) = try await appliedWithResult(.lockRenew(name: name, holder: renew.holder, token: renew.token, ttlMilliseconds: ttl))
            guard case .lock(let grant) = result else { throw Self.unexpected(result) }
            return LockRenewReply(renewed: grant != nil, token: renew.token, expiresAtMs: grant?.expiresAt)
        }
        router.post("/v1/locks/:name/release") { request, context -> LockReleaseReply in
            let name = try Self.name(context)
            let release = try await body(LockTokenRequest.self, request)
            let (result, _) = try await appliedWithResult(.lockRelease(name: name, holder: release.holder, token: release.token))
            guard case .lockReleased(let freed) = result else { throw Self.unexpected(result) }
            return LockReleaseReply(released: freed)
        }
        router.get("/v1/locks/:name") { _, context -> LockStateReply in
            let name = try Self.name(context)
            try await call { () async throws(ConsensusError) in try await node.linearizableBarrier() }
            let grant = await node.heldLock(name)
            return LockStateReply(name: name, held: grant != nil, holder: grant?.holder, token: grant?.token, expiresAtMs: grant?.expiresAt)
        }
    }

    func addCounterRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/counters/batch") { request, _ -> CounterBatchReply in
            let batch = try await body(CounterBatchRequest.self, request)
            guard !batch.ops.isEmpty else { throw APIError.badRequest("field 'ops': at least one operation") }
            var deltas: [String: Int64] = [:]
            for op in batch.ops {
                let (sum, overflow) = deltas[op.name, default: 0].addingReportingOverflow(op.delta)
                guard !overflow else { throw APIError.badRequest("field 'ops': the deltas of '\(op.name)' overflow a 64-bit integer") }
                deltas[op.name] = sum
            }
            let values = try await recipe { () async throws(RecipeError) in try await AtomicCounter.batch(deltas, on: node) }
            return CounterBatchReply(values: values)
        }
        router.post("/v1/counters/:name/add") { request, context -> CounterReply in
            let name = try Self.name(context)
            let add = try await body(CounterAddRequest.self, request)
            let (result, _) = try await appliedWithResult(.counterAdd(name: name, delta: add.delta))
            guard case .counter(let values) = result, let value = values[name] else { throw Self.unexpected(result) }
            return CounterReply(name: name, value: value)
        }
        router.get("/v1/counters/:name") { _, context -> CounterReply in
            let name = try Self.name(context)
            // A read that fails says why in the node's words (no_quorum, no_leader, ...), not as a
            // change that was not applied.
            if node.configuration.mechanism != .raft { throw APIError(RecipeError.needsRaft(recipe: "AtomicCounter")) }
            let stored = try await call { () async throws(ConsensusError) in try await node.value(name, consistency: .linearizable) }
            switch stored {
            case nil: return CounterReply(name: name, value: 0)
            case .int(let n)?: return CounterReply(name: name, value: n)
            case let other?: throw APIError(RecipeError.rejected(key: name, reason: "holds \(other), not an integer"))
            }
        }
    }
}
