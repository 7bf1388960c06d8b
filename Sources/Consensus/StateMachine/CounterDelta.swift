/// One counter change in a ``StoreOperation/counterBatch(_:)``: add `delta` to the integer under `name`.
public struct CounterDelta: Sendable, Hashable, Codable {
    /// The counter's key (counters share the key space with other values).
    public var name: String
    /// The amount to add; negative to subtract.
    public var delta: Int64

    /// Creates a counter change.
    /// - Parameters:
    ///   - name: the counter's key.
    ///   - delta: the amount to add.
    public init(name: String, delta: Int64) {
        self.name = name
        self.delta = delta
    }
}
