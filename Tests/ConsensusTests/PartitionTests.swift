import Consensus
import Testing

/// The lesson's "Handling Network Partitions": unreachable, reconnected, partition detected on
/// each side, healed, and read-only behaviour on the minority side.
@Suite("Partitions")
struct PartitionTests {
    /// Collects a node's events in the background.
    actor Recorder {
        var events: [ConsensusEvent] = []
        func add(_ e: ConsensusEvent) { events.append(e) }
    }

    func record(_ node: ConsensusTrait) -> (Recorder, Task<Void, Never>) {
        let recorder = Recorder()
        let stream = node.events
        let task = RuntimeExecutor.spawn { for await e in stream { await recorder.add(e) } }
        return (recorder, task)
    }

    @Test("A 2|3 partition: each side learns its side, the minority refuses writes fast, healing reports it")
    func minorityAndMajority() async throws {
        try await withCluster(size: 5) { cluster in
            _ = try await cluster.waitForLeader()
            let minority = ["node-1", "node-2"], majority = ["node-3", "node-4", "node-5"]
            let m1 = await cluster.node("node-1")!, m3 = await cluster.node("node-3")!
            let (rec1, t1) = record(m1)
            let (rec3, t3) = record(m3)
            defer { t1.cancel(); t3.cancel() }
            await cluster.partition([minority, majority])

            #expect(await cluster.waitUntil { await m1.currentPartition?.side == .minority })
            #expect(await cluster.waitUntil { await m3.currentPartition?.side == .majority })
            let p1 = await m1.currentPartition!
            #expect(p1.reachable == minority)
            #expect(p1.unreachable == majority)
            #expect(await !m1.hasQuorum)

            // Writes on the minority fail at once with noQuorum, not after the timeout.
            let clock = cluster.clock
            let start = clock.now()
            let result = try await m1.proposeWithResult("k", 1)
            #expect(!result.accepted)
            #expect(result.errorCode == .noQuorum && !result.outcomeUnknown)
            #expect(clock.now() - start < .seconds(5))   // well under the 10 s timeout

            // Local reads there say they may be stale.
            let read = await m1.localRead("k")
            #expect(read.mayBeStale)
            #expect(read.staleReason?.contains("minority") == true)

            // The majority side elects (or keeps) a leader and commits.
            let leader = await cluster.waitUntil {
                for name in majority { if await cluster.node(name)!.isLeader { return true } }
                return false
            }
            #expect(leader)
            #expect(try await m3.propose("k", 2))

            await cluster.heal()
            #expect(await cluster.waitUntil { await m1.currentPartition == nil })
            #expect(await cluster.waitUntil { await m1.versioned("k")?.value == 2 })

            // Events reach the recorder asynchronously: wait for the healing ones to arrive.
            #expect(await cluster.waitUntil { await rec1.events.contains(.partitionHealed) })
            #expect(await cluster.waitUntil { await rec1.events.contains(.nodeReconnected("node-3")) })
            let events1 = await rec1.events
            #expect(events1.contains(.partitionDetected(p1)))
            #expect(events1.contains(.nodeUnreachable("node-3")))
            let events3 = await rec3.events
            #expect(events3.contains { if case .partitionDetected(let p) = $0 { p.side == .majority } else { false } })
        }
    }

    @Test("nodes shows who is connected")
    func connectedState() async throws {
        try await withCluster(size: 3) { cluster in
            _ = try await cluster.waitForLeader()
            let n1 = await cluster.node("node-1")!
            #expect(await cluster.waitUntil { await n1.nodes.allSatisfy(\.connected) })
            await cluster.isolate("node-3")
            #expect(await cluster.waitUntil { await n1.nodes.first { $0.id == "node-3" }?.connected == false })
            #expect(await cluster.waitUntil { await n1.nodes.filter(\.connected).map(\.id) == ["node-1", "node-2"] })
            await cluster.heal()
            #expect(await cluster.waitUntil { await n1.nodes.allSatisfy(\.connected) })
        }
    }
}
