import Consensus
import Hummingbird

extension ConsensusAPI {
    func addKeyValueRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/kv/:key") { request, context -> KeyValueReply in
            let key = try Self.key(context)
            switch request.uri.queryParameters.get("consistency") ?? "linearizable" {
            case "linearizable":
                // After the barrier, this member has applied every write that completed before
                // the read began: its local copy is a linearizable answer.
                try await call { () async throws(ConsensusError) in try await node.linearizableBarrier() }
                guard let v = await node.versioned(key) else { throw APIError.notFound("no key '\(key)'") }
                return KeyValueReply(key: key, value: v.value, revision: v.revision)
            case "local":
                let read = await node.localRead(key)
                guard let value = read.value else { throw APIError.notFound("no key '\(key)' on this member (a local read: it may be stale)") }
                // (simple_majority has no log, so no revision.)
                return KeyValueReply(key: key, value: value, revision: read.revision, mayBeStale: true,
                                     staleReason: read.staleReason ?? "a local read may miss writes this member has not applied yet")
            case let other:
                throw APIError.badRequest("consistency must be 'linearizable' (the default) or 'local', not '\(other)'")
            }
        }
        router.put("/v1/kv/:key") { request, context -> RevisionReply in
            let key = try Self.key(context)
            let put = try await body(PutRequest.self, request)
            let (_, index) = try await applied(.put(key: key, value: put.value))
            return RevisionReply(revision: index)
        }
        router.delete("/v1/kv/:key") { _, context -> DeleteReply in
            let key = try Self.key(context)
            let (result, index) = try await applied(.delete(key: key))
            guard let result else { return DeleteReply(revision: index, deleted: nil) }   // simple_majority
            guard case .delete(let previous) = result else { throw Self.unexpected(result) }
            return DeleteReply(revision: index, deleted: previous != nil)
        }
        router.post("/v1/kv/:key/cas") { request, context -> CompareAndSwapReply in
            let key = try Self.key(context)
            let cas = try await body(CompareAndSwapRequest.self, request)
            let (result, index) = try await appliedWithResult(.compareAndSwap(key: key, expected: cas.expected, new: cas.value))
            guard case let .compareAndSwap(succeeded, current) = result else { throw Self.unexpected(result) }
            return CompareAndSwapReply(succeeded: succeeded, revision: index, current: current)
        }
    }
}
