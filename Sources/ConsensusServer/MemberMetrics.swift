import Consensus
import Prometheus

/// The Prometheus side of one member, served on `GET /metrics` in the text format.
///
/// Two sources feed one registry: what the member counts as it goes (through swift-metrics:
/// pass ``factory`` to `ConsensusTrait(nodeID:configuration:storage:clock:metrics:)`), and what
/// is read when scraped: term, role, commit and applied index, log length, and per peer whether
/// it is reachable and how many messages wait for it.
///
/// | metric | kind | labels |
/// |---|---|---|
/// | `consensus_term` | gauge | member |
/// | `consensus_role` | gauge, 1 for the current role | member, role |
/// | `consensus_commit_index`, `consensus_applied_index`, `consensus_log_length` | gauge | member |
/// | `consensus_peer_reachable` | gauge, 1 or 0 | member, peer |
/// | `consensus_peer_queue_depth` | gauge | member, peer |
/// | `consensus_proposals_total` | counter | member, outcome |
/// | `consensus_storage_write_duration_seconds` | histogram (hard state, entries, fsync) | member |
public final class MemberMetrics: Sendable {
    /// Where every metric of this member lives.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend to hand to the member.
    public let factory: PrometheusMetricsFactory
    /// Messages waiting for a peer (the transport's outbound queue), if known.
    let queueDepth: @Sendable (String) -> Int?

    /// - Parameters:
    ///   - registry: the registry to fill (a fresh one by default, so that members in one
    ///     process do not mix).
    ///   - queueDepth: how many messages wait for a peer (for example
    ///     `TCPTransport.queuedCount(for:)`); `nil` leaves the metric out.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                queueDepth: (@Sendable (String) -> Int)? = nil) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // A storage write is an fsync: from a tenth of a millisecond to a second.
        factory.durationHistogramBuckets["consensus_storage_write_duration_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        self.queueDepth = { peer in queueDepth?(peer) }
    }

    /// Reads the member's state into the gauges, then renders every metric in the Prometheus
    /// text format.
    public func scrape(_ node: ConsensusTrait) async -> String {
        let state = await node.debugState
        let member = state.nodeID
        func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
            registry.makeGauge(name: name, labels: [("member", member)] + labels)
        }
        gauge("consensus_term").set(Double(state.currentTerm))
        for role in NodeRole.allCases {
            gauge("consensus_role", [("role", role.rawValue)]).set(role == state.role ? 1.0 : 0.0)
        }
        gauge("consensus_commit_index").set(Double(state.commitIndex))
        gauge("consensus_applied_index").set(Double(state.appliedIndex))
        gauge("consensus_log_length").set(Double(state.logLength))
        for peer in await node.nodes where !peer.isSelf {
            gauge("consensus_peer_reachable", [("peer", peer.id)]).set(peer.connected ? 1.0 : 0.0)
            if let depth = queueDepth(peer.id) {
                gauge("consensus_peer_queue_depth", [("peer", peer.id)]).set(Double(depth))
            }
        }
        return registry.emitToString()
    }
}
