import Consensus
import ConsensusRecipes
import Hummingbird

extension ConsensusAPI {
    func addLockRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/locks/:name/acquire") { request, context -> LockReply in
            let name = try Self.name(context)
            let acquire = try await body(LockAcquireRequest.self, request)
            guard acquire.ttlMs > 0 else { throw APIError.badRequest("field 'ttlMs': must be at least 1") }
            if let wait = acquire.waitMs, wait > 0 {
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
            guard let ttl = renew.ttlMs, ttl > 0 else { throw APIError.badRequest("field 'ttlMs': required, at least 1") }
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
            let deltas = batch.ops.reduce(into: [String: Int64]()) { $0[$1.name, default: 0] &+= $1.delta }
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
            let value = try await recipe { () async throws(RecipeError) in try await AtomicCounter(name, on: node).read() }
            return CounterReply(name: name, value: value)
        }
    }
}
