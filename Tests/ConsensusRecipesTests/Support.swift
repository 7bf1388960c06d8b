import Consensus
import ConsensusNetwork
import Synchronization
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

/// A history clock: nanoseconds on the cluster's clock since the test started, for
/// ``ClientHistory``, strictly increasing: two events at the same virtual instant keep the order
/// in which they happened (the test's tasks run one at a time in virtual time), so that a
/// completion recorded before an invocation stays before it.
final class HistoryClock: Sendable {
    private let clock: RuntimeClock
    private let origin: Duration
    private let last = Mutex<Int64>(-1)

    init(_ clock: RuntimeClock) {
        self.clock = clock
        origin = clock.now()
    }

    var now: Int64 {
        let d = clock.now() - origin
        let t = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        return last.withLock { last in
            last = max(t, last + 1)
            return last
        }
    }
}

/// A ``ClientHistory`` several concurrent clients can record into.
actor SharedHistory {
    let clock: HistoryClock
    private var history = ClientHistory()

    init(clock: RuntimeClock) {
        self.clock = HistoryClock(clock)
    }

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
