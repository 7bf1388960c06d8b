/// Picks key indices uniformly in `0..<keyCount` from a seeded SplitMix64 sequence: each
/// connection has its own, so a run is reproducible and needs no lock.
public struct KeyPicker: Sendable {
    /// How many keys to pick from.
    public let keyCount: Int
    private var state: UInt64
    /// Picks are `offset + stride * i` for `i` in `0..<keyCount`.
    private var offset = 0
    private var stride = 1

    /// - Parameters:
    ///   - keyCount: at least 1.
    ///   - seed: the sequence's seed (for example the connection's number).
    public init(keyCount: Int, seed: UInt64) {
        precondition(keyCount >= 1, "keyCount must be positive")
        self.keyCount = keyCount
        self.state = seed
    }

    /// A picker over the keys that connection `worker` of `connections` owns alone, those whose
    /// index is `worker` modulo `connections` (so compare-and-swaps of different connections
    /// never race); over all keys when there are fewer keys than connections.
    /// - Parameters:
    ///   - worker: the connection's number, in `0..<connections`.
    ///   - connections: how many connections share the keys.
    ///   - keyCount: how many keys there are, at least 1.
    ///   - seed: the sequence's seed.
    public static func owned(worker: Int, connections: Int, keyCount: Int, seed: UInt64) -> KeyPicker {
        precondition(worker >= 0 && worker < connections, "worker \(worker) outside 0..<\(connections)")
        guard keyCount >= connections else { return KeyPicker(keyCount: keyCount, seed: seed) }
        var picker = KeyPicker(keyCount: (keyCount - worker + connections - 1) / connections, seed: seed)
        picker.offset = worker
        picker.stride = connections
        return picker
    }

    /// The next key index: in `0..<keyCount`, or among the owned keys.
    public mutating func next() -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // Multiply-shift: uniform enough for a benchmark, no division.
        return offset + stride * Int((z.multipliedFullWidth(by: UInt64(keyCount))).high)
    }
}
