// `ConsensusValue?` in a keyed container. The synthesized `encodeIfPresent`/`decodeIfPresent` would
// turn `.some(.null)` into `nil` (JSON `null` reads back as absent), which would confuse "the key
// holds null" with "the key is absent". Here a missing member is `nil` and a member holding
// `null` is `.some(.null)`.

extension KeyedEncodingContainer {
    /// Writes `value` under `key`, or leaves the member out when `value` is `nil`.
    mutating func encodeOptionalValue(_ value: ConsensusValue?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }
}

extension KeyedDecodingContainer {
    /// Reads the member `key`: `nil` if it is missing, `.null` if it holds JSON `null`.
    func decodeOptionalValue(forKey key: Key) throws -> ConsensusValue? {
        guard contains(key) else { return nil }
        return try decode(ConsensusValue.self, forKey: key)
    }
}
