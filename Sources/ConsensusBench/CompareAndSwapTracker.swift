/// What one connection of the `cas` workload believes each key holds, so that its next
/// compare-and-swap names the right `expected` value. A refused swap (another writer got there
/// first, or the key held something else before the run) teaches it the current value.
public struct CompareAndSwapTracker: Sendable {
    private var known: [Int: String?] = [:]
    private var sequence = 0
    /// Swaps that succeeded and that were refused, as the replies said.
    public private(set) var succeeded = 0
    /// Swaps refused because the key held another value.
    public private(set) var refused = 0
    /// Used as a prefix of every value this tracker writes.
    public let tagPrefix: String

    /// - Parameter tagPrefix: distinguishes this connection's values from the others'.
    public init(tagPrefix: String) { self.tagPrefix = tagPrefix }

    /// The next swap on key `index`: the value expected (`nil`: absent, or unknown and guessed
    /// absent) and the tag of the new value.
    public mutating func next(key index: Int) -> (expected: String?, tag: String) {
        sequence += 1
        return (known[index] ?? nil, "\(tagPrefix)-\(sequence)-")
    }

    /// Records the reply to a swap on key `index`.
    /// - Parameters:
    ///   - index: the key.
    ///   - wrote: the full value the swap proposed.
    ///   - succeeded: the reply's `succeeded`.
    ///   - current: on a refusal, the reply's `current` value if it is a string (`nil`: absent).
    public mutating func record(key index: Int, wrote: String, succeeded: Bool, current: String?) {
        if succeeded {
            self.succeeded += 1
            known[index] = .some(wrote)
        } else {
            refused += 1
            known[index] = .some(current)
        }
    }

    /// Adds the counts of `other` (another connection's) to this one's.
    public mutating func add(_ other: CompareAndSwapTracker) {
        succeeded += other.succeeded
        refused += other.refused
    }
}
