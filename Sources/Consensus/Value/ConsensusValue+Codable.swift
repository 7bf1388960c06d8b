import Foundation

extension ConsensusValue: Codable {
    /// Decodes any JSON value. Numbers that fit `Int64` become ``int(_:)``, other numbers ``double(_:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ConsensusValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: ConsensusValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a JSON value (null, bool, number, string, array or object)")
        }
    }

    /// Encodes as plain JSON: an object is a JSON object, ``null`` is `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension ConsensusValue {
    /// Converts any `Encodable` value (a struct, an array, a number...) into a `ConsensusValue`,
    /// going through its JSON form.
    ///
    /// - Parameter value: the value to convert.
    /// - Throws: `EncodingError` if the value cannot be written as JSON (for example `Double.nan`).
    public init(encoding value: some Encodable) throws {
        if let value = value as? ConsensusValue {
            self = value
            return
        }
        let data = try Self.jsonEncoder().encode(value)
        self = try JSONDecoder().decode(ConsensusValue.self, from: data)
    }

    /// Decodes this value as any `Decodable` type, going through its JSON form.
    ///
    /// - Parameter type: the type to decode; inferred from the context when omitted.
    /// - Returns: the decoded value.
    /// - Throws: `DecodingError` if the value does not have the shape `T` expects.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        if let value = self as? T { return value }
        let data = try Self.jsonEncoder().encode(self)
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// The JSON encoder used for conversions: sorted keys, so output is deterministic.
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
