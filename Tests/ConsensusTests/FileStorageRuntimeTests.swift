import Consensus
import ConsensusCore
import ConsensusStorage
import Foundation
import Testing

/// The runtime on durable storage (issue 5, item 2): a node restarted on its data directory
/// recovers its term, log and state machine from the latest snapshot plus the log after it
/// (§7), and carries on.
@Suite("Runtime on FileStorage")
struct FileStorageRuntimeTests {
    @Test("A restarted node recovers term, vote, log and state from its data directory (snapshot plus replay)")
    func restartFromDataDirectory() async throws {
        // Real time on a thread of its own (see onDedicatedThread): CPU-bound tests elsewhere
        // in the run cannot starve this cluster of Swift's shared threads.
        try await onDedicatedThread {
            let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("consensus-runtime-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let configuration = ConsensusConfiguration.fastRaft(snapshotInterval: 5)

            let storage = try FileStorage(directory: dir)
            let node = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: storage)
            try await node.start()
            // Propose once the node leads, so that the test is about storage, not about proposals
            // queued during the first election.
            #expect(await waitForLeadership(node))
            for i in 0..<23 {
                #expect(try await node.propose("key-\(i)", .int(Int64(i))))
            }
            let before = await node.debugState
            await node.stop()
            // stop() leaves the storage open (a stopped node can start again on it); the owner closes it.
            storage.close()

            // On disk: a snapshot every 5 applied entries, and only the entries after the latest one.
            let reopened = try FileStorage(directory: dir)
            defer { reopened.close() }
            let state = try reopened.load()
            #expect(state.snapshot.metadata.index >= 20)
            #expect(state.entries.count < 10)
            #expect(state.hardState.term == before.currentTerm)
            #expect(state.hardState.vote != nil)

            let restarted = ConsensusTrait(nodeID: "node-1", configuration: configuration, storage: reopened)
            try await restarted.start()
            #expect(await waitForLeadership(restarted))
            for i in 0..<23 {
                #expect(try await restarted.get("key-\(i)", as: Int.self, consistency: .linearizable) == i)
            }
            #expect(await restarted.debugState.currentTerm >= before.currentTerm)
            #expect(try await restarted.propose("after-restart", 1))
            #expect(try await restarted.get("after-restart", as: Int.self) == 1)
            await restarted.stop()
        }
    }

    /// Waits (on the node's real clock) until `node` leads.
    func waitForLeadership(_ node: ConsensusTrait, timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await node.leader?.id == node.nodeID { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
