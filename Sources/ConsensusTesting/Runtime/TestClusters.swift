import Consensus

extension ConsensusConfiguration {
    /// Raft with timing for clusters inside one process: 25 ms heartbeats, 150-300 ms elections,
    /// 10 s timeouts, peers unreachable after 400 ms. Tests run such clusters in virtual time
    /// (``withCluster(size:configuration:seed:_:)``), where these figures cost nothing in real
    /// time; the few real-time tests (file storage) poll for conditions with generous bounds.
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

/// Starts a ``LocalCluster`` in virtual time (``withVirtualTime(limit:_:)``), runs `body`, and
/// always stops the cluster, even when `body` throws. Inside `body`, wait with
/// `cluster.clock.sleep(for:)` or `cluster.waitUntil`, never with `Task.sleep`: time moves
/// only when every task waits, so the outcome does not depend on how busy the machine is.
public func withCluster<T>(
    size: Int = 3, configuration: ConsensusConfiguration = .fastRaft(), seed: UInt64 = 1,
    _ body: (LocalCluster) async throws -> T
) async throws -> T {
    try await withVirtualTime { clock in
        let cluster = LocalCluster(size: size, configuration: configuration, seed: seed, clock: clock)
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
}
