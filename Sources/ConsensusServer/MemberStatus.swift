import Hummingbird

/// What a member says about itself on `GET /v1/status`: the server encodes it, and clients
/// (such as `consensus cluster status`) decode the same type, so the two cannot drift apart.
public struct MemberStatus: Codable, Sendable, ResponseEncodable {
    /// A member as this one sees it.
    public struct Member: Codable, Sendable {
        public var id: String
        public var address: String
        /// `leader`, `voter` or `learner`.
        public var role: String
        public var reachable: Bool
    }
    public var id: String
    public var role: String
    public var term: UInt64
    public var leader: String?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var logLength: Int
    public var members: [Member]
}
