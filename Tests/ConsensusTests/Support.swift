import Consensus
import Testing

/// Fast timing for in-process clusters: real time, but short, with generous waits.
extension ConsensusConfiguration {
    static func fastRaft(batchUpdates: Bool = false, compression: Bool = false, snapshotInterval: Int = 10_000) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: .seconds(10),
            heartbeatInterval: .milliseconds(10),
            electionTimeout: .milliseconds(60)...(.milliseconds(120)),
            batchUpdates: batchUpdates,
            batchWindow: .milliseconds(20),
            compression: compression,
            compressionThreshold: 256,
            snapshotInterval: snapshotInterval)
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
