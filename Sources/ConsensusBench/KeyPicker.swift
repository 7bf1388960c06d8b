/// Picks key indices uniformly in `0..<keyCount` from a seeded SplitMix64 sequence: each
/// connection has its own, so a run is reproducible and needs no lock.
public struct KeyPicker: Sendable {
    /// How many keys to pick from.
    public let keyCount: Int
    private var state: UInt64

    /// - Parameters:
    ///   - keyCount: at least 1.
    ///   - seed: the sequence's seed (for example the connection's number).
    public init(keyCount: Int, seed: UInt64) {
        precondition(keyCount >= 1, "keyCount must be positive")
        self.keyCount = keyCount
        self.state = seed
    }

    /// The next key index, in `0..<keyCount`.
    public mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // Multiply-shift: uniform enough for a benchmark, no division.
        return Int((z.multipliedFullWidth(by: UInt64(keyCount))).high)
    }
}
