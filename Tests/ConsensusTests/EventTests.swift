import Consensus
import Testing

/// Every event of the lesson (raft side) fires, with the right payload. partitionDetected and
/// partitionHealed belong to issue 4 and are tested there.
@Suite("Events")
struct EventTests {
    private static func leaderElected(_ event: ConsensusEvent) -> (leader: String, term: UInt64)? {
        if case let .leaderElected(leader, term) = event { return (leader, term) }
        return nil
    }

    @Test("leaderElected names the leader and its term on every member, and again after the leader is killed")
    func leaderElected() async throws {
        try await withRecordedCluster { cluster, recorder in
            let (first, term) = try await cluster.stableLeader()
            for name in await cluster.names {
                let saw = await eventually { recorder.contains(name, .leaderElected(leader: first.nodeID, term: term)) }
                #expect(saw, "\(name) reports leaderElected(\(first.nodeID), \(term))")
            }

            await cluster.kill(first.nodeID)
            let (second, newTerm) = try await cluster.stableLeader()
            #expect(second !== first)
            #expect(newTerm > term)
            for node in await cluster.followers(of: first) {
                let saw = await eventually { recorder.contains(node.nodeID, .leaderElected(leader: second.nodeID, term: newTerm)) }
                #expect(saw, "\(node.nodeID) reports the new leader \(second.nodeID) in term \(newTerm)")
            }
            // Terms only grow along each member's leaderElected events.
            for name in await cluster.names {
                let terms = recorder.events(of: name).compactMap(Self.leaderElected).map(\.term)
                #expect(terms == terms.sorted(), "\(name): \(terms)")
            }
        }
    }

    @Test("stateChanged carries key, new value and old value, on every member (delete: new is nil)")
    func stateChanged() async throws {
        try await withRecordedCluster { cluster, recorder in
            let leader = try await cluster.waitForLeader()
            try await leader.propose("score", 1)
            try await leader.propose("score", 2)
            try await leader.delete("score")
            let expected: [ConsensusEvent] = [
                .stateChanged(key: "score", newValue: 1, oldValue: nil),
                .stateChanged(key: "score", newValue: 2, oldValue: 1),
                .stateChanged(key: "score", newValue: nil, oldValue: 2),
            ]
            for name in await cluster.names {
                let all = await eventually {
                    recorder.events(of: name).filter { if case .stateChanged(key: "score", _, _) = $0 { return true }; return false } == expected
                }
                #expect(all, "\(name): \(recorder.events(of: name).filter { if case .stateChanged = $0 { return true }; return false })")
            }
        }
    }

    /// Waits until every member hears every other (so no peer is still marked unreachable from the start).
    private static func everyoneConnected(_ cluster: LocalCluster) async -> Bool {
        let nodes = await cluster.nodes
        return await cluster.waitUntil {
            for node in nodes {
                let statuses = await node.nodes
                guard statuses.count == nodes.count, statuses.allSatisfy(\.connected) else { return false }
            }
            return true
        }
    }

    @Test("nodeUnreachable and nodeReconnected: a killed member is reported, then reported back after restart")
    func unreachableAfterKillAndRestart() async throws {
        try await withRecordedCluster { cluster, recorder in
            _ = try await cluster.waitForLeader()
            // Only what happens after the kill counts (a slow start may already report a late peer).
            #expect(await Self.everyoneConnected(cluster))
            let mark = ["node-1": recorder.count(of: "node-1"), "node-2": recorder.count(of: "node-2")]
            await cluster.kill("node-3")
            for name in ["node-1", "node-2"] {
                #expect(await eventually { recorder.contains(name, .nodeUnreachable("node-3"), since: mark[name]!) },
                        "\(name) reports node-3 unreachable")
            }
            let node1 = try #require(await cluster.node("node-1"))
            #expect(await node1.nodes.first { $0.id == "node-3" }?.connected == false)

            try await cluster.restart("node-3")
            for name in ["node-1", "node-2"] {
                #expect(await eventually { recorder.contains(name, .nodeReconnected("node-3"), since: mark[name]!) },
                        "\(name) reports node-3 reconnected")
            }
            #expect(await eventually { await node1.nodes.first { $0.id == "node-3" }?.connected == true })
            // Nobody reported itself.
            for name in await cluster.names {
                #expect(!recorder.contains(name, .nodeUnreachable(name)))
            }
        }
    }

    @Test("nodeUnreachable and nodeReconnected: an isolated member and its peers report each other, then heal")
    func unreachableAfterIsolateAndHeal() async throws {
        try await withRecordedCluster { cluster, recorder in
            _ = try await cluster.waitForLeader()
            #expect(await Self.everyoneConnected(cluster))
            var marks: [String: Int] = [:]
            for name in await cluster.names { marks[name] = recorder.count(of: name) }
            let mark = marks
            await cluster.isolate("node-2")
            for name in ["node-1", "node-3"] {
                #expect(await eventually { recorder.contains(name, .nodeUnreachable("node-2"), since: mark[name]!) },
                        "\(name) reports node-2 unreachable")
            }
            for peer in ["node-1", "node-3"] {
                #expect(await eventually { recorder.contains("node-2", .nodeUnreachable(peer), since: mark["node-2"]!) },
                        "node-2 reports \(peer) unreachable")
            }
            for name in await cluster.names { marks[name] = recorder.count(of: name) }
            let healMark = marks
            await cluster.heal()
            for name in ["node-1", "node-3"] {
                #expect(await eventually { recorder.contains(name, .nodeReconnected("node-2"), since: healMark[name]!) },
                        "\(name) reports node-2 back")
            }
            for peer in ["node-1", "node-3"] {
                #expect(await eventually { recorder.contains("node-2", .nodeReconnected(peer), since: healMark["node-2"]!) },
                        "node-2 reports \(peer) back")
            }
        }
    }

    @Test("voteRequested: members are asked for their vote by the candidate that wins, in its term")
    func voteRequested() async throws {
        try await withRecordedCluster { cluster, recorder in
            let (leader, term) = try await cluster.stableLeader()
            let followers = await cluster.followers(of: leader).map(\.nodeID)
            let asked = await eventually {
                followers.contains { recorder.contains($0, .voteRequested(from: leader.nodeID, term: term)) }
            }
            #expect(asked)
            // A candidate never asks itself.
            #expect(!recorder.contains(leader.nodeID) { if case .voteRequested(leader.nodeID, _) = $0 { return true }; return false })
        }
    }

    @Test("voteGranted: a majority gave the leader its votes in its term, each member at most one vote per term")
    func voteGranted() async throws {
        try await withRecordedCluster(names: (1...5).map { "node-\($0)" }) { cluster, recorder in
            let (leader, term) = try await cluster.stableLeader()
            let followers = await cluster.followers(of: leader).map(\.nodeID)
            // The leader votes for itself; it needs two more of five.
            let majority = await eventually {
                followers.filter { recorder.contains($0, .voteGranted(to: leader.nodeID, term: term)) }.count >= 2
            }
            #expect(majority)
            for name in await cluster.names {
                var perTerm: [UInt64: Set<String>] = [:]
                for case let .voteGranted(to, t) in recorder.events(of: name) { perTerm[t, default: []].insert(to) }
                #expect(perTerm.values.allSatisfy { $0.count == 1 }, "\(name) voted for one candidate per term: \(perTerm)")
            }
        }
    }

    @Test("logAppended carries term, index and key, on every member")
    func logAppended() async throws {
        try await withRecordedCluster { cluster, recorder in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            let result = try await follower.proposeWithResult("players", ["Player1"])
            let index = try #require(result.index)
            // Every member appends the entry at that index with the same term and key.
            var seen: Set<UInt64> = []
            for name in await cluster.names {
                let appended = await eventually {
                    recorder.contains(name) { if case .logAppended(_, index, "players") = $0 { return true }; return false }
                }
                #expect(appended, "\(name) appends index \(index), key players")
                for case let .logAppended(term, i, key) in recorder.events(of: name) where i == index && key == "players" {
                    seen.insert(term)
                }
            }
            #expect(seen.count == 1, "one term for index \(index) everywhere: \(seen)")
            let term = try #require(seen.first)
            let current = await leader.debugState.currentTerm
            #expect(term >= 1 && term <= current)
            // The no-op a leader appends when it takes office has no key.
            #expect(recorder.contains(leader.nodeID) { event in
                if case .logAppended(_, _, nil) = event { return true }
                return false
            })
        }
    }

    @Test("consensusAccepted fires on every member with the same proposal id, key and value")
    func consensusAccepted() async throws {
        try await withRecordedCluster { cluster, recorder in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            let result = try await follower.proposeWithResult("game_state", "playing")
            #expect(result.accepted)
            for name in await cluster.names {
                let seen = await eventually {
                    recorder.contains(name) { event in
                        guard case .consensusAccepted(let r) = event else { return false }
                        return r.proposalID == result.proposalID && r.key == "game_state" && r.value == "playing"
                            && r.accepted && r.index == result.index && r.quorumMet
                    }
                }
                #expect(seen, "\(name) reports the proposal accepted")
            }
        }
    }

    @Test("subscribe: the AsyncStream and the closure form see each new value of a key")
    func subscribe() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            let stream = follower.subscribe("player_score")
            let seen = EventRecorderBox()
            let task = follower.subscribe("player_score") { value in seen.append(value) }
            defer { task.cancel() }
            try await leader.propose("player_score", 100)
            try await leader.propose("player_score", 150)
            let streamed = EventRecorderBox()
            let reader = RuntimeExecutor.spawn { for await value in stream { streamed.append(value) } }
            defer { reader.cancel() }
            #expect(await eventually { streamed.values == [100, 150] })
            #expect(await eventually { seen.values == [100, 150] })
        }
    }
}

import Synchronization

/// A thread-safe list for closures to append to.
final class EventRecorderBox: Sendable {
    private let storage = Mutex<[ConsensusValue?]>([])
    func append(_ value: ConsensusValue?) { storage.withLock { $0.append(value) } }
    var values: [ConsensusValue?] { storage.withLock { $0 } }
}
