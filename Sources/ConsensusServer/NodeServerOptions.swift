import Consensus
import ConsensusTCP

/// Everything `consensus node` needs to run one member as a process.
public struct NodeServerOptions: Sendable {
    /// This member's name (unique in the cluster).
    public var id: String
    /// Where peers connect (TCP).
    public var listen: PeerAddress
    /// Where clients connect (HTTP/JSON).
    public var api: PeerAddress
    /// Every member of the initial cluster, this one included, by name.
    public var peers: [String: PeerAddress]
    /// The data directory (durable `FileStorage`), or `nil` for in-memory state.
    public var dataDirectory: String?
    /// A cluster id every peer must present in its handshake.
    public var clusterID: String
    /// Mechanism, timing and bounds; its `bootstrap` is set from ``join`` and ``peers``.
    public var configuration: ConsensusConfiguration
    /// Join an existing cluster (wait to be added) instead of founding one with ``peers``.
    public var join: Bool
    /// A shared secret peers prove they know (HMAC), or `nil`.
    public var clusterSecret: String?
    /// A bearer token every HTTP request must carry, or `nil`.
    public var apiToken: String?
    /// Exit when this process is gone (tests set it so that no node outlives them).
    public var parentPID: Int32?
    /// simple_majority: vote on proposals by hand (`POST /v1/proposals/{id}/vote`) instead of
    /// accepting every one.
    public var manualVotes = false

    public init(id: String, listen: PeerAddress, api: PeerAddress, peers: [String: PeerAddress],
                dataDirectory: String?, clusterID: String = "consensus", configuration: ConsensusConfiguration = .raft(),
                join: Bool = false, clusterSecret: String? = nil, apiToken: String? = nil, parentPID: Int32? = nil) {
        self.id = id
        self.listen = listen
        self.api = api
        self.peers = peers
        self.dataDirectory = dataDirectory
        self.clusterID = clusterID
        self.configuration = configuration
        self.join = join
        self.clusterSecret = clusterSecret
        self.apiToken = apiToken
        self.parentPID = parentPID
    }

    /// The configuration the member starts with: ``configuration`` with its bootstrap.
    var memberConfiguration: ConsensusConfiguration {
        var c = configuration
        if join {
            c.bootstrap = .join
        } else {
            c.bootstrap = .newCluster(members: peers.keys.sorted().map { NodeInfo(id: $0, address: peers[$0]!.description) })
        }
        return c
    }
}
