import Consensus

extension ConsensusConfiguration {
    /// Raft with timing for clusters inside one process: 10 ms heartbeats, 60-120 ms elections,
    /// 10 s timeouts, peers unreachable after 250 ms (well above a loaded machine's scheduling
    /// hiccups). Real time, but short; tests using it poll for conditions with generous bounds
    /// instead of sleeping fixed amounts.
    public static func fastRaft(batchUpdates: Bool = false, compression: Bool = false, snapshotInterval: Int = 10_000) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: .seconds(10),
            heartbeatInterval: .milliseconds(10),
            electionTimeout: .milliseconds(60)...(.milliseconds(120)),
            batchUpdates: batchUpdates,
            batchWindow: .milliseconds(20),
            compression: compression,
            compressionThreshold: 256,
            snapshotInterval: snapshotInterval)
        c.unreachableAfter = .milliseconds(250)
        return c
    }
}

/// Starts a ``LocalCluster``, runs `body`, and always stops the cluster, even when `body` throws.
public func withCluster<T>(
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
