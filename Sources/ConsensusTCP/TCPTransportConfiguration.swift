import ConsensusWire

/// Everything a ``TCPTransport`` needs to know: who this member is, where it listens, who its
/// peers are, and the bounds on everything it holds.
public struct TCPTransportConfiguration: Sendable {
    /// This member's name (`--id`); peers must know it.
    public var nodeName: String
    /// The cluster's id (`--cluster-id`); a peer with another one is refused.
    public var clusterID: String
    /// Where to listen for peers. Default: the loopback address, any free port (see
    /// ``TCPTransport/localAddress``).
    public var listenAddress: PeerAddress
    /// The members' addresses by name (`--peers`). This member may be listed; it is skipped.
    /// Only these names may connect, and only these are dialed.
    public var members: [String: PeerAddress]
    /// The shared secret peers prove they hold; nil: no authentication (the cluster id and
    /// names are still checked).
    public var secret: ClusterSecret?
    /// Messages held per peer, waiting to be written (also while the peer is being dialed).
    /// A send beyond it returns ``ConsensusNetwork/PeerSendResult/queueFull``.
    public var queueMax: Int
    /// Received messages waiting for the receive callback, over all peers; beyond it a message
    /// is dropped with a logged warning (Raft recovers from the loss).
    public var inboxMax: Int
    /// Inbound connections open at once (identified or still in their opening exchange); one
    /// more is closed as soon as it is accepted.
    public var inboundConnectionsMax: Int
    /// The largest frame sent or accepted, length prefix included.
    public var frameBytesMax: Int
    /// The largest snapshot reassembled from chunks.
    public var snapshotBytesMax: Int
    /// Waits between attempts to reach a peer.
    public var backoff: ReconnectBackoff
    /// How long one attempt to open a TCP connection may take.
    public var connectTimeout: Duration
    /// How long a connection may take to finish its opening exchange (handshake, and proof of
    /// the secret) before it is closed.
    public var openingTimeout: Duration

    /// - Parameters:
    ///   - nodeName: This member's name.
    ///   - clusterID: The cluster's id.
    ///   - listenAddress: Where to listen (default `127.0.0.1`, any free port).
    ///   - members: Every member's address by name (this one may be included).
    ///   - secret: The shared secret, if the cluster uses one.
    public init(
        nodeName: String, clusterID: String, listenAddress: PeerAddress = PeerAddress(port: 0),
        members: [String: PeerAddress] = [:], secret: ClusterSecret? = nil
    ) {
        self.nodeName = nodeName
        self.clusterID = clusterID
        self.listenAddress = listenAddress
        self.members = members
        self.secret = secret
        self.queueMax = 1024
        self.inboxMax = 8192
        self.inboundConnectionsMax = 128
        self.frameBytesMax = PeerWire.frameBytesMaxDefault
        self.snapshotBytesMax = SnapshotAssembler.snapshotBytesMaxDefault
        self.backoff = ReconnectBackoff()
        self.connectTimeout = .seconds(5)
        self.openingTimeout = .seconds(10)
    }
}
