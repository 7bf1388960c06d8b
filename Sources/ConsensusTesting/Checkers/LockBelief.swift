/// An interval during which a client believed it held a lock, for ``LockBeliefChecker``.
///
/// Times are one global logical time (the history's), and the interval is half-open:
/// `[from, until)`. A belief that ends where another starts does not overlap it.
public struct LockBelief: Sendable, Hashable, CustomStringConvertible {
    /// The lock's name.
    public var lock: String
    /// Who believed it held the lock.
    public var holder: String
    /// The fencing token of the grant it believed it held.
    public var token: UInt64
    /// When the belief began (included).
    public var from: Int64
    /// When the belief ended (excluded). A belief with `until <= from` covers no time.
    public var until: Int64

    /// Creates a belief.
    /// - Parameters:
    ///   - lock: the lock's name.
    ///   - holder: who believed it held the lock.
    ///   - token: the fencing token of its grant.
    ///   - from: when the belief began (included).
    ///   - until: when it ended (excluded).
    public init(lock: String, holder: String, token: UInt64, from: Int64, until: Int64) {
        self.lock = lock
        self.holder = holder
        self.token = token
        self.from = from
        self.until = until
    }

    /// `true` if the belief covers no time (`until <= from`).
    public var isEmpty: Bool { until <= from }

    /// `"a" with token 3 during [10, 20)`.
    public var description: String {
        "\(holder.debugDescription) with token \(token) during [\(from), \(until))"
    }
}
