import Consensus
import ConsensusStorage
import Foundation
import Testing

/// The README's "Durable storage" snippet, kept compiling and true.
@Suite("README: durable storage")
struct ReadmeStorageExampleTests {
    @Test("A member on FileStorage restarts with its state")
    func durableStorage() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = ConsensusConfiguration.raft(snapshotInterval: 1000)
        configuration.heartbeatInterval = .milliseconds(10)
        configuration.electionTimeout = .milliseconds(60)...(.milliseconds(120))
        do {
            let storage = try FileStorage(directory: dir)
            let node = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: storage)
            try await node.start()        // restarts with its term, vote, log and state
            #expect(try await node.propose("greeting", "hello"))
            await node.stop()
            storage.close()
        }
        let storage = try FileStorage(directory: dir)
        let node = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: storage)
        try await node.start()
        #expect(try await node.get("greeting", as: String.self, consistency: .linearizable) == "hello")
        await node.stop()
        storage.close()
    }
}
