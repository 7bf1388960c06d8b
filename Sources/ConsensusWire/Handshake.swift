import ConsensusCore
import ConsensusNetwork

/// The first frame each side of a peer connection sends: who it is and what it speaks. A member
/// refuses a peer whose ``clusterID`` differs from its own, whose ``nodeName`` is not a member
/// it knows, or whose ``protocolVersion`` it does not speak, and logs why.
public struct Handshake: Sendable, Hashable {
    /// The peer protocol version the sender speaks (by default this build's ``PeerWire/protocolVersion``).
    public var protocolVersion: UInt8
    /// The cluster the sender belongs to (`--cluster-id`).
    public var clusterID: String
    /// The sender's member name (`--id`, as in `--peers id=host:port`).
    public var nodeName: String

    /// - Parameters:
    ///   - protocolVersion: The peer protocol version the sender speaks.
    ///   - clusterID: The sender's cluster.
    ///   - nodeName: The sender's member name.
    public init(protocolVersion: UInt8 = PeerWire.protocolVersion, clusterID: String, nodeName: String) {
        self.protocolVersion = protocolVersion
        self.clusterID = clusterID
        self.nodeName = nodeName
    }

    /// The core's id for the sender (``memberID(_:)`` of ``nodeName``).
    public var nodeID: NodeID { memberID(nodeName) }
}
