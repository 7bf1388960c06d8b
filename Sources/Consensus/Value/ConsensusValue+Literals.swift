// Literal conformances, so that `let v: ConsensusValue = ["maxPlayers": 10, "open": true]` compiles.

extension ConsensusValue: ExpressibleByNilLiteral {
    /// `nil` is ``null``.
    public init(nilLiteral: ()) { self = .null }
}

extension ConsensusValue: ExpressibleByBooleanLiteral {
    /// `true` / `false` is ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension ConsensusValue: ExpressibleByIntegerLiteral {
    /// An integer literal is ``int(_:)``.
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension ConsensusValue: ExpressibleByFloatLiteral {
    /// A floating-point literal is ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension ConsensusValue: ExpressibleByStringLiteral {
    /// A string literal is ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension ConsensusValue: ExpressibleByArrayLiteral {
    /// An array literal is ``array(_:)``.
    public init(arrayLiteral elements: ConsensusValue...) { self = .array(elements) }
}

extension ConsensusValue: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is ``object(_:)``. A repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, ConsensusValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
