import Consensus

extension ConsensusConfiguration {
    /// Raft with timing for clusters inside one process: 25 ms heartbeats, 150-300 ms elections,
    /// 10 s timeouts, peers unreachable after 400 ms (well above a loaded machine's scheduling
    /// hiccups). Real time, but short; tests using it poll for conditions with generous bounds
    /// instead of sleeping fixed amounts. (With 10 ms heartbeats, some forty clusters of a full
    /// test run ticking every 5 ms saturated a 2-core machine beside four busy loops, and every
    /// proposal of a suite timed out at once.)
    public static func fastRaft(batchUpdates: Bool = false, compression: Bool = false, snapshotInterval: Int = 10_000) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: .seconds(10),
            heartbeatInterval: .milliseconds(25),
            electionTimeout: .milliseconds(150)...(.milliseconds(300)),
            batchUpdates: batchUpdates,
            batchWindow: .milliseconds(20),
            compression: compression,
            compressionThreshold: 256,
            snapshotInterval: snapshotInterval)
        c.unreachableAfter = .milliseconds(400)
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
