/// One change to counters as a client saw it, for ``CounterExactness``: the deltas it asked for
/// and whether it was acknowledged.
///
/// A single add is one entry; a batch changes several counters together, all or nothing.
/// Changes known to have failed are not passed to the checker at all.
public struct CounterChange: Sendable, Hashable {
    /// Whether the change is known to have taken effect.
    public enum Outcome: Sendable, Hashable {
        /// The store acknowledged it: it took effect exactly once.
        case acknowledged
        /// It timed out or its connection broke: it took effect once, or not at all.
        case unknown
    }

    /// The delta added to each counter, by name.
    public var deltas: [String: Int64]
    /// Acknowledged or unknown.
    public var outcome: Outcome

    /// Creates a change.
    /// - Parameters:
    ///   - deltas: the delta for each counter (one entry for a single add, several for a batch).
    ///   - outcome: ``Outcome/acknowledged`` or ``Outcome/unknown``.
    public init(_ deltas: [String: Int64], outcome: Outcome) {
        self.deltas = deltas
        self.outcome = outcome
    }
}
