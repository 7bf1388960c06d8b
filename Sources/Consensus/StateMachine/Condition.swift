/// A guard of a ``Transaction``, evaluated against the state at apply time.
public enum Condition: Sendable, Hashable {
    /// The key holds `value`; a `nil` value means the key must be absent.
    case valueEquals(key: String, value: ConsensusValue?)
    /// The key's revision is `revision` (the log index that last wrote it); 0 means absent.
    case revisionEquals(key: String, revision: UInt64)
    /// The key is present.
    case exists(key: String)
    /// The key is absent.
    case absent(key: String)

    /// The key this condition looks at.
    public var key: String {
        switch self {
        case .valueEquals(let key, _), .revisionEquals(let key, _), .exists(let key), .absent(let key):
            return key
        }
    }
}

extension Condition: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, key, value, revision
    }

    private enum Kind: String, Codable {
        case valueEquals, revisionEquals, exists, absent
    }

    /// Decodes `{"type": "valueEquals", "key": ..., "value": ...}` and the other forms written by
    /// ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let key = try container.decode(String.self, forKey: .key)
        switch try container.decode(Kind.self, forKey: .type) {
        case .valueEquals:
            self = .valueEquals(key: key, value: try container.decodeOptionalValue(forKey: .value))
        case .revisionEquals:
            self = .revisionEquals(key: key, revision: try container.decode(UInt64.self, forKey: .revision))
        case .exists:
            self = .exists(key: key)
        case .absent:
            self = .absent(key: key)
        }
    }

    /// Encodes as a JSON object with a `type` member; an absent `value` is left out, a `null` one kept.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        switch self {
        case .valueEquals(_, let value):
            try container.encode(Kind.valueEquals, forKey: .type)
            try container.encodeOptionalValue(value, forKey: .value)
        case .revisionEquals(_, let revision):
            try container.encode(Kind.revisionEquals, forKey: .type)
            try container.encode(revision, forKey: .revision)
        case .exists:
            try container.encode(Kind.exists, forKey: .type)
        case .absent:
            try container.encode(Kind.absent, forKey: .type)
        }
    }
}
