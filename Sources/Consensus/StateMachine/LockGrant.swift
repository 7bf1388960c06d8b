/// A granted lock: who holds it, its fencing token and when it expires (in store time).
public struct LockGrant: Sendable, Hashable, Codable {
    /// The lock's name (locks have their own namespace, separate from keys).
    public var name: String
    /// Who holds the lock.
    public var holder: String
    /// Strictly increasing per lock name across every grant, release, expiry and snapshot. A resource
    /// protected by the lock refuses requests carrying a token lower than one it has already seen.
    public var token: UInt64
    /// Store time at which the grant lapses, in store milliseconds (leader-counted time since the
    /// cluster's first leader, standing still between leaders: see ``KeyValueStore/clock`` and
    /// ``LeaderClock``), not milliseconds since 1970: compare it with the store's clock, never
    /// with a wall clock.
    public var expiresAt: Int64

    /// Creates a grant.
    /// - Parameters:
    ///   - name: the lock's name.
    ///   - holder: who holds it.
    ///   - token: the fencing token.
    ///   - expiresAt: store time (store milliseconds) at which it lapses.
    public init(name: String, holder: String, token: UInt64, expiresAt: Int64) {
        self.name = name
        self.holder = holder
        self.token = token
        self.expiresAt = expiresAt
    }
}
