import Consensus
import ConsensusCore
import ConsensusNetwork
import ConsensusStorage
import Foundation
import Testing

/// Snapshots and compaction end to end (issue 5, "Tests that must exist"; §7 of the Raft paper):
/// three members on ``FileStorage`` with `snapshotInterval` 100 take 10,000 writes; their logs
/// stay short, a member restarted on its data directory recovers the same state from snapshot
/// plus replay, and a member that was down for all of it catches up through InstallSnapshot.
@Suite("Snapshot and compaction end to end")
struct CompactionEndToEndTests {
    static let proposers = 100
    static let writesPerProposer = 100
    /// Each proposer cycles through this many keys, so that the state holds 1,000 keys.
    static let keysPerProposer = 10
    /// "At most a few hundred entries": the snapshot interval plus what is in flight.
    static let logLengthMax = 300

    /// Proposer `p`'s write number `i`: key `k-p-(i % 10)`, value `i`. Writes of one proposer
    /// are sequential, so the last value of `k-p-j` is `90 + j`.
    static func key(_ p: Int, _ j: Int) -> String { "k-\(p)-\(j)" }
    static func expectedValue(_ j: Int) -> Int { writesPerProposer - keysPerProposer + j }

    @Test("10,000 writes with snapshotInterval 100: short logs, restart from disk, a lagging member catches up by InstallSnapshot")
    func compactionEndToEnd() async throws {
        // Real time on a thread of its own (see onDedicatedThread): CPU-bound tests elsewhere
        // in the run cannot starve this cluster of Swift's shared threads.
        try await onDedicatedThread {
            let cluster = try FileCluster(names: ["node-1", "node-2", "node-3"],
                                          configuration: .fastRaft(batchUpdates: true, snapshotInterval: 100))
            do {
                try await run(cluster)
            } catch {
                await cluster.shutDown()
                throw error
            }
            await cluster.shutDown()
        }
    }

    private func run(_ cluster: FileCluster) async throws {
        try await cluster.startAll()
        let first = try #require(await cluster.waitForLeader())

        // A follower goes down before any write and stays down for all of them.
        let absent = try #require(cluster.names.first { $0 != first.nodeID })
        let absentBefore = try await #require(cluster.node(absent)).debugState
        await cluster.kill(absent)

        // 10,000 writes: 100 concurrent proposers of 100 writes each, batched by the leader.
        let leader = try #require(await cluster.waitForLeader())
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for p in 0..<Self.proposers {
                group.addTask {
                    var count = 0
                    for i in 0..<Self.writesPerProposer {
                        while true {
                            let result = try await leader.proposeWithResult(Self.key(p, i % Self.keysPerProposer), .int(Int64(i)))
                            if result.accepted { count += 1; break }
                            // Back-pressure: refused before reaching the log, so retrying is safe
                            // (on a loaded machine commits slow down and the window fills).
                            if result.errorCode == .overloaded {
                                try await Task.sleep(for: .milliseconds(5))
                                continue
                            }
                            Issue.record("write \(p)/\(i) failed: \(result.error ?? "no error given")")
                            break
                        }
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(accepted == Self.proposers * Self.writesPerProposer)
        let commit = await leader.debugState.commitIndex
        #expect(commit >= LogIndex(Self.proposers * Self.writesPerProposer))

        // Every running member applies it all and keeps a short log, in memory and on disk.
        let running = cluster.names.filter { $0 != absent }
        #expect(await cluster.waitUntil { await cluster.allApplied(running, upTo: commit) })
        for name in running {
            let state = try await #require(cluster.node(name)).debugState
            #expect(state.logLength <= Self.logLengthMax, "\(name) holds \(state.logLength) entries")
            #expect(state.snapshotIndex + LogIndex(Self.logLengthMax) >= commit, "\(name) last snapshot at \(state.snapshotIndex)")
            let stored = try cluster.storage(name).load()
            #expect(stored.entries.count <= Self.logLengthMax, "\(name) stores \(stored.entries.count) entries")
            let segments = try cluster.segmentCount(name)
            #expect(segments <= 4, "\(name) keeps \(segments) WAL segments")
        }

        // A follower restarted on its data directory (a new ConsensusTrait on a reopened
        // FileStorage) recovers the same state from snapshot plus replay. It stays off the
        // network until then, so what it shows can only come from its own disk.
        let restarted = try #require(running.first { $0 != leader.nodeID })
        let before = try await #require(cluster.node(restarted)).debugState
        await cluster.kill(restarted)
        let recovered = try await cluster.reopen(restarted, connect: false)
        #expect(await cluster.waitUntil { await recovered.debugState.appliedIndex >= before.appliedIndex })
        let after = await recovered.debugState
        #expect(after.appliedIndex == before.appliedIndex)
        #expect(after.appliedIndex >= commit)
        #expect(after.currentTerm >= before.currentTerm)
        #expect(after.keys == before.keys)
        try await expectSampleValues(on: recovered, matching: leader)
        await cluster.connect(restarted)

        // The member that missed every write: the leader has compacted those entries away, so
        // only a snapshot can bring it up to date; its snapshot index jumps past the writes.
        let caughtUp = try await cluster.reopen(absent, connect: true)
        #expect(await cluster.waitUntil { await caughtUp.debugState.appliedIndex >= commit })
        let absentAfter = await caughtUp.debugState
        #expect(absentBefore.snapshotIndex < 100)
        #expect(absentAfter.snapshotIndex + LogIndex(Self.logLengthMax) >= commit,
                "snapshot index \(absentBefore.snapshotIndex) -> \(absentAfter.snapshotIndex), commit \(commit)")
        #expect(absentAfter.logLength <= Self.logLengthMax)
        #expect(absentAfter.keys == before.keys)
        try await expectSampleValues(on: caughtUp, matching: leader)
        let stored = try cluster.storage(absent).load()
        #expect(stored.snapshot.metadata.index >= absentAfter.snapshotIndex)
        #expect(stored.entries.count <= Self.logLengthMax)
    }

    /// The last value of a sample of keys: the expected one, and the leader's.
    private func expectSampleValues(on node: ConsensusTrait, matching leader: ConsensusTrait) async throws {
        for p in stride(from: 0, to: Self.proposers, by: 7) {
            for j in [0, 4, 9] {
                let key = Self.key(p, j)
                let value = try await node.get(key, as: Int.self)
                #expect(value == Self.expectedValue(j), "\(node.nodeID): \(key) = \(value.map(String.init) ?? "absent")")
                #expect(try await leader.get(key, as: Int.self) == value)
            }
        }
    }
}

/// Three ``ConsensusTrait`` members on an ``InMemoryNetwork``, each on a ``FileStorage`` in its
/// own temporary directory, wired the way ``LocalCluster`` wires them; a member can be replaced
/// by a new `ConsensusTrait` on the same directory.
private final class FileCluster: @unchecked Sendable {
    let names: [String]
    let root: String
    let network = InMemoryNetwork(seed: 7)
    private let configurations: [String: ConsensusConfiguration]
    /// Only touched from the test's task.
    private var nodes: [String: ConsensusTrait] = [:]
    private var storages: [String: FileStorage] = [:]
    /// Small segments, so that compaction deletes whole segment files.
    static let segmentBytesMax = 64 << 10

    init(names: [String], configuration: ConsensusConfiguration) throws {
        self.names = names
        self.root = (NSTemporaryDirectory() as NSString).appendingPathComponent("consensus-compaction-\(UUID().uuidString)")
        var config = configuration
        config.bootstrap = .newCluster(members: names.map { NodeInfo(id: $0, address: "memory://\($0)") })
        var configurations: [String: ConsensusConfiguration] = [:]
        for (i, name) in names.enumerated() {
            var c = config
            c.seed = 1_000 + UInt64(i)
            configurations[name] = c
        }
        self.configurations = configurations
        for name in names { try open(name) }
    }

    func directory(_ name: String) -> String { root + "/" + name }

    func node(_ name: String) -> ConsensusTrait? { nodes[name] }

    func storage(_ name: String) throws -> FileStorage {
        try #require(storages[name])
    }

    /// WAL segment files in the member's directory.
    func segmentCount(_ name: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory(name) + "/wal").filter { $0.hasSuffix(".log") }.count
    }

    private func open(_ name: String) throws {
        let storage = try FileStorage(directory: directory(name), segmentBytesMax: Self.segmentBytesMax)
        storages[name] = storage
        nodes[name] = ConsensusTrait(nodeID: name, configuration: configurations[name]!, storage: storage)
    }

    func startAll() async throws {
        for name in names {
            await connect(name)
            try await nodes[name]!.start()
        }
    }

    /// Registers the member's endpoint and its sender.
    func connect(_ name: String) async {
        guard let node = nodes[name] else { return }
        let network = network
        let id = NodeInfo.numericID(name)
        var directory: [NodeID: String] = [:]
        for n in names { directory[NodeInfo.numericID(n)] = n }
        let byID = directory
        network.register(id) { [weak node] from, message in
            await node?.handleMessage(from: byID[from] ?? String(from, radix: 16), message)
        }
        await node.setMessageSender { to, message in network.send(from: id, to: NodeInfo.numericID(to), message) }
    }

    /// Stops a member and closes its storage (as a crash would release it).
    func kill(_ name: String) async {
        network.unregister(NodeInfo.numericID(name))
        await nodes[name]?.stop()
        storages[name]?.close()
    }

    /// A new `ConsensusTrait` on the member's reopened data directory, started; wired to the
    /// network only when `connect`.
    func reopen(_ name: String, connect: Bool) async throws -> ConsensusTrait {
        try open(name)
        let node = nodes[name]!
        if connect {
            await self.connect(name)
        } else {
            await node.setMessageSender { _, _ in }
        }
        try await node.start()
        return node
    }

    /// The running member that leads in the highest term, if any.
    func currentLeader() async -> ConsensusTrait? {
        var best: (node: ConsensusTrait, term: UInt64)?
        for name in names {
            guard let node = nodes[name] else { continue }
            let state = await node.debugState
            if state.running && state.role == .leader && state.currentTerm > (best?.term ?? 0) { best = (node, state.currentTerm) }
        }
        return best?.node
    }

    func waitForLeader() async -> ConsensusTrait? {
        guard await waitUntil({ await self.currentLeader() != nil }) else { return nil }
        return await currentLeader()
    }

    func allApplied(_ members: [String], upTo index: LogIndex) async -> Bool {
        for name in members {
            guard let node = nodes[name], await node.debugState.appliedIndex >= index else { return false }
        }
        return true
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    func waitUntil(timeout: Duration = .seconds(60), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    /// Stops every member, closes every storage and removes the directories.
    func shutDown() async {
        for name in names {
            network.unregister(NodeInfo.numericID(name))
            await nodes[name]?.stop()
            storages[name]?.close()
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
