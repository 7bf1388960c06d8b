/// What applying one ``StoreOperation`` did. Identical on every member, since it depends only on the log.
public enum OperationResult: Sendable, Hashable {
    /// The value was written; `previous` is what the key held before (`nil` if absent).
    case put(previous: ConsensusValue?)
    /// The key is now absent; `previous` is what it held before (`nil` if it was already absent).
    case delete(previous: ConsensusValue?)
    /// Whether the comparison held (and the swap happened); `current` is the value after apply.
    case compareAndSwap(succeeded: Bool, current: ConsensusValue?)
    /// `succeeded` says whether the conditions held; `results` are those of the branch that ran.
    case transaction(succeeded: Bool, results: [OperationResult])
    /// The grant after an acquire or renew; `nil` if refused (held by someone else, token mismatch,
    /// for a renew, expired, or the request's own TTL passed before it was applied).
    case lock(LockGrant?)
    /// Whether a release freed the lock (holder and token matched).
    case lockReleased(Bool)
    /// The new value of each counter touched.
    case counter(values: [String: Int64])
    /// The operation cannot apply (a counter on a non-integer key, an overflow, an invalid argument,
    /// a refused operation inside a transaction...): nothing changed.
    case rejected(reason: String)

    /// `true` for a put, a delete, a successful compare-and-swap, a transaction whose conditions held,
    /// a granted lock, a successful release and a counter change; `false` otherwise.
    public var succeeded: Bool {
        switch self {
        case .put, .delete, .counter: return true
        case .compareAndSwap(let succeeded, _): return succeeded
        case .transaction(let succeeded, _): return succeeded
        case .lock(let grant): return grant != nil
        case .lockReleased(let released): return released
        case .rejected: return false
        }
    }
}

extension OperationResult: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, previous, succeeded, current, results, grant, released, values, reason
    }

    private enum Kind: String, Codable {
        case put, delete, compareAndSwap, transaction, lock, lockReleased, counter, rejected
    }

    /// Decodes the form written by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .put:
            self = .put(previous: try container.decodeOptionalValue(forKey: .previous))
        case .delete:
            self = .delete(previous: try container.decodeOptionalValue(forKey: .previous))
        case .compareAndSwap:
            self = .compareAndSwap(
                succeeded: try container.decode(Bool.self, forKey: .succeeded),
                current: try container.decodeOptionalValue(forKey: .current))
        case .transaction:
            self = .transaction(
                succeeded: try container.decode(Bool.self, forKey: .succeeded),
                results: try container.decode([OperationResult].self, forKey: .results))
        case .lock:
            self = .lock(try container.decodeIfPresent(LockGrant.self, forKey: .grant))
        case .lockReleased:
            self = .lockReleased(try container.decode(Bool.self, forKey: .released))
        case .counter:
            self = .counter(values: try container.decode([String: Int64].self, forKey: .values))
        case .rejected:
            self = .rejected(reason: try container.decode(String.self, forKey: .reason))
        }
    }

    /// Encodes as a JSON object with a `type` member; an absent value is left out, a `null` one kept.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .put(let previous):
            try container.encode(Kind.put, forKey: .type)
            try container.encodeOptionalValue(previous, forKey: .previous)
        case .delete(let previous):
            try container.encode(Kind.delete, forKey: .type)
            try container.encodeOptionalValue(previous, forKey: .previous)
        case .compareAndSwap(let succeeded, let current):
            try container.encode(Kind.compareAndSwap, forKey: .type)
            try container.encode(succeeded, forKey: .succeeded)
            try container.encodeOptionalValue(current, forKey: .current)
        case .transaction(let succeeded, let results):
            try container.encode(Kind.transaction, forKey: .type)
            try container.encode(succeeded, forKey: .succeeded)
            try container.encode(results, forKey: .results)
        case .lock(let grant):
            try container.encode(Kind.lock, forKey: .type)
            try container.encodeIfPresent(grant, forKey: .grant)
        case .lockReleased(let released):
            try container.encode(Kind.lockReleased, forKey: .type)
            try container.encode(released, forKey: .released)
        case .counter(let values):
            try container.encode(Kind.counter, forKey: .type)
            try container.encode(values, forKey: .values)
        case .rejected(let reason):
            try container.encode(Kind.rejected, forKey: .type)
            try container.encode(reason, forKey: .reason)
        }
    }
}
