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
        // The README's configuration, with a proposal timeout for a loaded machine: this test
        // runs in real time beside CPU-bound tests, and on two busy cores Swift's cooperative
        // threads (which also fire every timer) can be held for a minute; with the default 5 s
        // a proposal then timed out (seen in a run beside four busy loops).
        let configuration = ConsensusConfiguration.raft(timeout: .seconds(120), snapshotInterval: 1000)
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
