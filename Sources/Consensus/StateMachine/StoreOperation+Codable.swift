// Operations encode as flat JSON objects with a `type` member, readable by HTTP/JSON clients:
// {"type":"put","key":"config","value":{"maxPlayers":10}}

extension StoreOperation: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, key, value, expected, new, transaction, name, holder, ttlMilliseconds, token, delta, deltas
    }

    private enum Kind: String, Codable {
        case put, delete, compareAndSwap, transaction, lockAcquire, lockRenew, lockRelease, counterAdd, counterBatch
    }

    /// Decodes the form written by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .type) {
        case .put:
            self = .put(
                key: try container.decode(String.self, forKey: .key),
                value: try container.decode(ConsensusValue.self, forKey: .value))
        case .delete:
            self = .delete(key: try container.decode(String.self, forKey: .key))
        case .compareAndSwap:
            self = .compareAndSwap(
                key: try container.decode(String.self, forKey: .key),
                expected: try container.decodeOptionalValue(forKey: .expected),
                new: try container.decodeOptionalValue(forKey: .new))
        case .transaction:
            self = .transaction(try container.decode(Transaction.self, forKey: .transaction))
        case .lockAcquire:
            self = .lockAcquire(
                name: try container.decode(String.self, forKey: .name),
                holder: try container.decode(String.self, forKey: .holder),
                ttlMilliseconds: try container.decode(Int64.self, forKey: .ttlMilliseconds))
        case .lockRenew:
            self = .lockRenew(
                name: try container.decode(String.self, forKey: .name),
                holder: try container.decode(String.self, forKey: .holder),
                token: try container.decode(UInt64.self, forKey: .token),
                ttlMilliseconds: try container.decode(Int64.self, forKey: .ttlMilliseconds))
        case .lockRelease:
            self = .lockRelease(
                name: try container.decode(String.self, forKey: .name),
                holder: try container.decode(String.self, forKey: .holder),
                token: try container.decode(UInt64.self, forKey: .token))
        case .counterAdd:
            self = .counterAdd(
                name: try container.decode(String.self, forKey: .name),
                delta: try container.decode(Int64.self, forKey: .delta))
        case .counterBatch:
            self = .counterBatch(try container.decode([CounterDelta].self, forKey: .deltas))
        }
    }

    /// Encodes as a JSON object with a `type` member and the case's fields. An absent `expected` or
    /// `new` of a compare-and-swap is left out; a `null` one is written as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .put(let key, let value):
            try container.encode(Kind.put, forKey: .type)
            try container.encode(key, forKey: .key)
            try container.encode(value, forKey: .value)
        case .delete(let key):
            try container.encode(Kind.delete, forKey: .type)
            try container.encode(key, forKey: .key)
        case .compareAndSwap(let key, let expected, let new):
            try container.encode(Kind.compareAndSwap, forKey: .type)
            try container.encode(key, forKey: .key)
            try container.encodeOptionalValue(expected, forKey: .expected)
            try container.encodeOptionalValue(new, forKey: .new)
        case .transaction(let transaction):
            try container.encode(Kind.transaction, forKey: .type)
            try container.encode(transaction, forKey: .transaction)
        case .lockAcquire(let name, let holder, let ttl):
            try container.encode(Kind.lockAcquire, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(holder, forKey: .holder)
            try container.encode(ttl, forKey: .ttlMilliseconds)
        case .lockRenew(let name, let holder, let token, let ttl):
            try container.encode(Kind.lockRenew, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(holder, forKey: .holder)
            try container.encode(token, forKey: .token)
            try container.encode(ttl, forKey: .ttlMilliseconds)
        case .lockRelease(let name, let holder, let token):
            try container.encode(Kind.lockRelease, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(holder, forKey: .holder)
            try container.encode(token, forKey: .token)
        case .counterAdd(let name, let delta):
            try container.encode(Kind.counterAdd, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(delta, forKey: .delta)
        case .counterBatch(let deltas):
            try container.encode(Kind.counterBatch, forKey: .type)
            try container.encode(deltas, forKey: .deltas)
        }
    }
}
