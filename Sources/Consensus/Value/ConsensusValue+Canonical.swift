extension ConsensusValue {
    /// The form this value takes after a trip through JSON, which has a single number type:
    /// a ``double(_:)`` holding a whole number that fits `Int64` (including `-0.0`) becomes an
    /// ``int(_:)``; arrays and objects are canonicalised element by element.
    ///
    /// The key-value store stores and compares canonical values, so a member that applies a
    /// command straight from memory and one that decoded it from the log (or a snapshot) hold
    /// identical state.
    public var canonical: ConsensusValue {
        switch self {
        case .double(let value):
            if let whole = Int64(exactly: value) { return .int(whole) }
            return self
        case .array(let elements):
            return .array(elements.map(\.canonical))
        case .object(let members):
            return .object(members.mapValues(\.canonical))
        case .null, .bool, .int, .string:
            return self
        }
    }

    /// Whether arrays and objects nest more than `limit` levels deep in this value (a scalar is 0
    /// levels, `[1]` one). It looks no deeper than `limit + 1` levels, however deep the value.
    public func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .array(let elements): return limit <= 0 || elements.contains { $0.nests(deeperThan: limit - 1) }
        case .object(let members): return limit <= 0 || members.values.contains { $0.nests(deeperThan: limit - 1) }
        case .null, .bool, .int, .double, .string: return false
        }
    }

    /// `false` if the value holds a NaN or an infinite double anywhere, which JSON cannot express.
    public var isRepresentableInJSON: Bool {
        switch self {
        case .double(let value): return value.isFinite
        case .array(let elements): return elements.allSatisfy(\.isRepresentableInJSON)
        case .object(let members): return members.values.allSatisfy(\.isRepresentableInJSON)
        case .null, .bool, .int, .string: return true
        }
    }
}
