import CoreMetrics

/// What a member counts and times through swift-metrics: proposals by outcome and the latency
/// of its storage writes (one fsync per batch). With no metrics backend (the default), every
/// call is a no-op. State that is read rather than counted (term, role, indexes, peers) is
/// exported by whoever serves the metrics, from ``ConsensusTrait/debugState``.
///
/// Metric names: `consensus_proposals_total{member, outcome}` (outcome: `accepted`, or the
/// error code's raw value such as `noQuorum` or `timeout`) and
/// `consensus_storage_write_duration_seconds{member}`.
struct NodeMetrics: Sendable {
    private let proposals: [String: Counter]
    private let storageWrite: Timer

    init(nodeID: String, factory: any MetricsFactory) {
        let outcomes = ["accepted", "refused"] + ConsensusErrorCode.allCases.map(\.rawValue)
        var proposals: [String: Counter] = [:]
        for outcome in outcomes {
            proposals[outcome] = Counter(label: "consensus_proposals_total",
                                         dimensions: [("member", nodeID), ("outcome", outcome)], factory: factory)
        }
        self.proposals = proposals
        storageWrite = Timer(label: "consensus_storage_write_duration_seconds", dimensions: [("member", nodeID)],
                             preferredDisplayUnit: .seconds, factory: factory)
    }

    /// Counts the outcome of one proposal: accepted, refused without a code (a simple_majority
    /// vote that went against it), or the code of its error.
    func proposal(_ result: Result<NodeResponse, ConsensusError>) {
        let outcome: String
        switch result {
        case .success(.proposal(let p)):
            outcome = p.accepted ? "accepted" : (p.errorCode?.rawValue ?? "refused")
        case .success:
            outcome = "accepted"
        case .failure(let error):
            outcome = error.code.rawValue
        }
        proposals[outcome]?.increment()
    }

    /// Records how long one storage write took (hard state, entries and their fsync).
    func storageWrite(_ duration: Duration) {
        storageWrite.recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
