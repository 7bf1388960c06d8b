import Consensus
import ConsensusTesting
import Testing

/// Fast timing for in-process clusters: real time, but short, with generous waits.
extension ConsensusConfiguration {
    static func fastRaft() -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: .seconds(10),
            heartbeatInterval: .milliseconds(10),
            electionTimeout: .milliseconds(60)...(.milliseconds(120)))
        c.unreachableAfter = .milliseconds(100)
        return c
    }
}

/// Starts a cluster, runs `body`, and always stops it.
func withCluster<T>(
    size: Int = 3, configuration: ConsensusConfiguration = .fastRaft(), seed: UInt64 = 1,
    _ body: (LocalCluster) async throws -> T
) async throws -> T {
    let cluster = LocalCluster(size: size, configuration: configuration, seed: seed)
    do {
        try await cluster.start()
        let result = try await body(cluster)
        await cluster.stop()
        return result
    } catch {
        await cluster.stop()
        throw error
    }
}

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
