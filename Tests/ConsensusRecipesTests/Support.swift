import Consensus
@_exported import ConsensusTesting
import Testing

// `ConsensusConfiguration.fastRaft()` and `withCluster` live in ConsensusTesting, re-exported
// here for every file of this test target.

extension LocalCluster {
    /// The members other than `leader`.
    func followers(of leader: ConsensusTrait) -> [ConsensusTrait] {
        nodes.filter { $0 !== leader }
    }
}

/// A history clock: nanoseconds since the test started, for ``ClientHistory``. Real-time order
/// is what linearizability is about, so the wall of a monotonic clock is the right time base.
struct HistoryClock: Sendable {
    let origin = ContinuousClock.now
    var now: Int64 {
        let d = ContinuousClock.now - origin
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}

/// A ``ClientHistory`` several concurrent clients can record into.
actor SharedHistory {
    let clock = HistoryClock()
    private var history = ClientHistory()

    func invoke(client: Int, _ action: ModelAction) -> Int {
        history.invoke(client: client, action, at: clock.now)
    }

    func complete(_ id: Int, _ output: ModelOutput) {
        history.complete(id, output, at: clock.now)
    }

    func timeOut(_ id: Int) {
        history.timeOut(id)
    }

    var operations: [HistoryOperation] { history.operations }
}
