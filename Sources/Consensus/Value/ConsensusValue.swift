/// A JSON-like value: what the replicated key-value store holds under each key.
///
/// Write values with literals and read them back with the accessors or ``decode(as:)``:
///
/// ```swift
/// let config: ConsensusValue = ["maxPlayers": 10, "name": "lobby", "tags": ["a"], "open": true, "owner": nil]
/// config["maxPlayers"]?.intValue   // 10
/// let decoded = try config.decode(as: GameConfig.self)
/// ```
///
/// `Codable` uses plain JSON: an object is a JSON object, an array a JSON array, `null` is `null`.
/// JSON has a single number type, so a whole-number `double` (such as `10.0`) comes back from JSON
/// as an `int`; the key-value store stores numbers in that canonical form (see ``canonical``).
public enum ConsensusValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// A whole number.
    case int(Int64)
    /// A number with a fractional part (or outside the range of `Int64`).
    case double(Double)
    /// A string.
    case string(String)
    /// An ordered list of values.
    case array([ConsensusValue])
    /// A map from string keys to values.
    case object([String: ConsensusValue])
}

extension ConsensusValue {
    /// `true` for ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The boolean, if this is a ``bool(_:)``.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer, if this is an ``int(_:)``, or a ``double(_:)`` that is a whole number in range.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The number as a `Double`, if this is a ``double(_:)`` or an ``int(_:)``.
    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    /// The string, if this is a ``string(_:)``.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an ``array(_:)``.
    public var arrayValue: [ConsensusValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an ``object(_:)``.
    public var objectValue: [String: ConsensusValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member named `key` of an object; `nil` if this is not an object or has no such member.
    public subscript(key: String) -> ConsensusValue? {
        objectValue?[key]
    }

    /// The element at `index` of an array; `nil` if this is not an array or the index is out of range.
    public subscript(index: Int) -> ConsensusValue? {
        guard let elements = arrayValue, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
