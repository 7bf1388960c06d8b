/// A state change of the replicated key-value store, applied in log order by ``KeyValueStore``.
public enum StoreOperation: Sendable, Hashable {
    /// Writes `value` under `key`.
    case put(key: String, value: ConsensusValue)
    /// Removes `key` (succeeds, changing nothing, if it is already absent).
    case delete(key: String)
    /// compared at apply time; expected nil = key must be absent; new nil = delete
    case compareAndSwap(key: String, expected: ConsensusValue?, new: ConsensusValue?)
    /// Conditions, then one of two operation lists, all-or-nothing. See ``Transaction``.
    case transaction(Transaction)
    /// Takes the lock `name` for `holder` for `ttlMilliseconds` of store time, if free or expired.
    /// Refused if the request's own TTL (from its stamp) has passed by the time it is applied.
    case lockAcquire(name: String, holder: String, ttlMilliseconds: Int64)
    /// Extends a grant that is still held: holder and token must match, it must not have expired,
    /// and the request's own TTL (from its stamp) must not have passed by the time it is applied.
    /// The grant then lasts until `clock + ttl` or its current expiry, whichever is later: a
    /// renewal never shortens a grant.
    case lockRenew(name: String, holder: String, token: UInt64, ttlMilliseconds: Int64)
    /// Frees the lock: holder and token must match.
    case lockRelease(name: String, holder: String, token: UInt64)
    /// Adds `delta` to the integer under `name` (a missing key counts as 0).
    case counterAdd(name: String, delta: Int64)
    /// Several counter additions, all-or-nothing.
    case counterBatch([CounterDelta])

    /// The keys this operation reads or writes, each once, in order of first mention. For a
    /// transaction: the keys of its conditions, then of both branches. Lock operations touch no
    /// keys (locks live in their own namespace) and return an empty list.
    public var keys: [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        func note(_ key: String) {
            if seen.insert(key).inserted { ordered.append(key) }
        }
        func visit(_ operation: StoreOperation) {
            switch operation {
            case .put(let key, _), .delete(let key), .compareAndSwap(let key, _, _):
                note(key)
            case .counterAdd(let name, _):
                note(name)
            case .counterBatch(let deltas):
                deltas.forEach { note($0.name) }
            case .transaction(let transaction):
                transaction.conditions.forEach { note($0.key) }
                transaction.success.forEach(visit)
                transaction.failure.forEach(visit)
            case .lockAcquire, .lockRenew, .lockRelease:
                break
            }
        }
        visit(self)
        return ordered
    }
}
