import ConsensusCore
import ConsensusNetwork

/// A cluster member as the lesson describes it: a name, an address, free-form metadata.
public struct NodeInfo: Sendable, Hashable, Codable {
    public var id: String
    public var address: String
    public var metadata: [String: String]

    public init(id: String, address: String = "", metadata: [String: String] = [:]) {
        self.id = id
        self.address = address
        self.metadata = metadata
    }

    /// The core's numeric id for a member name: a stable 64-bit hash (FNV-1a), never 0.
    public static func numericID(_ name: String) -> NodeID { memberID(name) }
}

/// A member as seen from one node.
public struct NodeStatus: Sendable, Hashable {
    public enum Membership: String, Sendable, Hashable {
        case voter, learner
    }

    public var info: NodeInfo
    public var id: String { info.id }
    public var address: String { info.address }
    public var membership: Membership
    public var isLeader: Bool
    public var isSelf: Bool
    /// Heard from within `unreachableAfter` (always true for this node itself).
    public var connected: Bool
}
