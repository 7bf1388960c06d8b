/// An example of a resource protected by a ``DistributedLock``: it accepts a write only if the
/// write's fencing token is at least the highest token it has seen, so a holder that was paused
/// past its TTL (and whose lock went to someone else since) cannot overwrite the newer holder's work.
///
/// This check must live **in the resource** (a database row, a file server, an external API),
/// because only the resource sees writes in the order they arrive; a check on the client can
/// always be followed by a pause. Equal tokens are accepted: a holder keeps writing with its token.
///
/// ```swift
/// let account = FencedResource(100)
/// try await account.write(120, token: grant.token)
/// ```
public actor FencedResource<Value: Sendable> {
    /// The current value.
    public private(set) var value: Value
    /// The highest token seen so far (0: none).
    public var highestToken: UInt64 { fence.highestToken }
    private var fence = Fence()
    /// Every accepted write's token, in order (for inspection).
    public private(set) var acceptedTokens: [UInt64] = []

    /// A write refused because a newer holder has already written.
    public typealias StaleToken = StaleFencingToken

    /// Creates the resource holding `initial`.
    public init(_ initial: Value) {
        self.value = initial
    }

    /// Replaces the value if `token` is not older than every token seen.
    /// - Throws: ``StaleToken`` (nothing changes).
    public func write(_ newValue: Value, token: UInt64) throws(StaleToken) {
        try modify(token: token) { $0 = newValue }
    }

    /// Changes the value in place if `token` is not older than every token seen.
    /// - Returns: what `change` returns.
    /// - Throws: ``StaleToken`` (nothing changes).
    @discardableResult
    public func modify<R: Sendable>(token: UInt64, _ change: (inout Value) -> R) throws(StaleToken) -> R {
        try fence.admit(token)
        acceptedTokens.append(token)
        return change(&value)
    }
}

/// The check at the heart of ``FencedResource``, on its own: admit a fencing token only if it is
/// not older than every token admitted before. Embed it in whatever the lock protects.
public struct Fence: Sendable, Hashable {
    /// The highest token admitted so far (0: none).
    public private(set) var highestToken: UInt64 = 0

    /// A fence that has admitted nothing.
    public init() {}

    /// Admits `token` if it is at least ``highestToken`` (a holder keeps writing with its token).
    /// - Throws: ``StaleFencingToken`` (nothing changes).
    public mutating func admit(_ token: UInt64) throws(StaleFencingToken) {
        guard token >= highestToken else { throw StaleFencingToken(token: token, highestSeen: highestToken) }
        highestToken = token
    }
}

/// A write refused because a holder with a newer token has already written.
public struct StaleFencingToken: Error, Sendable, Hashable, CustomStringConvertible {
    /// The refused write's token.
    public var token: UInt64
    /// The highest token the resource had seen.
    public var highestSeen: UInt64

    /// Creates the error.
    public init(token: UInt64, highestSeen: UInt64) {
        self.token = token
        self.highestSeen = highestSeen
    }

    public var description: String {
        "fencing token \(token) is stale: a holder with token \(highestSeen) has already written"
    }
}
