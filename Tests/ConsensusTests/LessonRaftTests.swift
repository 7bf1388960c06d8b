import Consensus
import ConsensusCore
import ConsensusNetwork
import Testing

/// The Raft-side snippets of the lesson (lesson/000_6b211021e09aa50b.txt), one test per section,
/// each doing in Swift what the TypeScript does, on an in-memory cluster.
@Suite("Lesson: Raft snippets")
struct LessonRaftTests {
    // MARK: - Raft Consensus

    @Test("Raft Consensus: setMessageSender/handleMessage over a hand-wired network, start, addNode, leader:elected, state:changed, only the leader proposes")
    func raftConsensus() async throws {
        // In virtual time, like every cluster test (see `withVirtualTime`).
        try await withVirtualTime { clock in
            // The lesson's `network`: an in-memory one, wired by hand (no LocalCluster).
            let network = InMemoryNetwork(seed: 7, clock: RuntimeClock(clock))
            let names = ["node-001", "node-002", "node-003"]
            let directory = Dictionary(uniqueKeysWithValues: names.map { (NodeInfo.numericID($0), $0) })
            var nodes: [String: ConsensusTrait] = [:]
            for name in names {
                var configuration = ConsensusConfiguration.fastRaft()
                // node-001 founds a cluster of one (the default); the others wait to be added.
                configuration.bootstrap = name == "node-001" ? nil : .join
                let node = ConsensusTrait(nodeID: name, configuration: configuration, clock: clock)
                let id = NodeInfo.numericID(name)
                // raft.setMessageSender((toNodeId, message) => network.send(toNodeId, message))
                await node.setMessageSender { to, message in
                    network.send(from: id, to: NodeInfo.numericID(to), message)
                }
                // network.on('message', (fromNodeId, message) => raft.handleMessage(fromNodeId, message))
                network.register(id) { from, message in
                    await node.handleMessage(from: directory[from] ?? "unknown", message)
                }
                nodes[name] = node
            }
            let raft = nodes["node-001"]!
            let recorder = EventRecorder(Array(nodes.values))
            defer { recorder.stop() }

            do {
                // raft.start(); raft.addNode(...) x2
                for name in names { try await nodes[name]!.start() }
                #expect(await eventually { await raft.isLeader }, "a cluster of one elects itself")
                try await raft.addNode(NodeInfo(id: "node-002", address: "host2:5000"))
                try await raft.addNode(NodeInfo(id: "node-003", address: "host3:5000"))
                let members = await raft.nodes
                #expect(members.map(\.id) == names)
                #expect(members.allSatisfy { $0.membership == .voter })
                #expect(members.first { $0.id == "node-002" }?.address == "host2:5000")

                // raft.on('leader:elected', leaderId => { if (leaderId === raft.getNodeId()) ... })
                let term = await raft.debugState.currentTerm
                #expect(recorder.contains("node-001") { event in
                    if case .leaderElected(let leader, let t) = event { return leader == raft.nodeID && t == term }
                    return false
                }, "I am the leader!")
                for name in ["node-002", "node-003"] {
                    #expect(await eventually { recorder.contains(name, .leaderElected(leader: "node-001", term: term)) },
                            "\(name) learns the leader once it is added")
                }

                // if (raft.isLeader()) { const result = await raft.propose('config', { maxPlayers: 10 }) }
                var proposed = 0
                for node in nodes.values where await node.isLeader {
                    let committed = try await node.propose("config", ["maxPlayers": 10])
                    #expect(committed)
                    proposed += 1
                }
                #expect(proposed == 1, "exactly one node is the leader and proposes")

                // raft.on('state:changed', (key, newValue, oldValue) => ...): on every member.
                let created = ConsensusEvent.stateChanged(key: "config", newValue: ["maxPlayers": 10], oldValue: nil)
                for name in names {
                    #expect(await eventually { recorder.contains(name, created) }, "\(name): config: nil → {maxPlayers: 10}")
                }
                try await raft.propose("config", ["maxPlayers": 12])
                let updated = ConsensusEvent.stateChanged(key: "config", newValue: ["maxPlayers": 12], oldValue: ["maxPlayers": 10])
                for name in names {
                    #expect(await eventually { recorder.contains(name, updated) }, "\(name): config: 10 → 12")
                }
            } catch {
                for node in nodes.values { await node.stop() }
                throw error
            }
            for node in nodes.values { await node.stop() }
        }
    }

    // MARK: - Proposal Results

    @Test("Proposal Results: proposalID, accepted, key, value, votes for/against/total, quorum met; error on rejection")
    func proposalResults() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            // const result = await consensus.proposeWithResult('setting', 'newValue')  (on a follower)
            let result = try await follower.proposeWithResult("setting", "newValue")
            #expect(!result.proposalID.isEmpty)
            #expect(result.accepted)
            #expect(result.key == "setting")
            #expect(result.value == "newValue")
            #expect(result.votes.total == 3)
            #expect(result.votes.against == 0)
            #expect(result.votes.for >= 2 && result.votes.for <= 3)
            #expect(result.quorumRequired == 2)
            #expect(result.quorumMet)
            #expect(result.votes.for >= result.quorumRequired)
            #expect(result.error == nil)
            #expect(result.index != nil)

            // Two proposals never share an id.
            let second = try await leader.proposeWithResult("setting", "newerValue")
            #expect(second.proposalID != result.proposalID)

            // if (!result.accepted && result.error): a compare-and-swap whose expectation is stale.
            let rejected = try await follower.compareAndSwap("setting", expected: "newValue", new: "other")
            #expect(!rejected.accepted)
            #expect(rejected.key == "setting")
            let error = try #require(rejected.error)
            #expect(error.contains("compare-and-swap failed"))
            #expect(error.contains("newerValue"), "the error names the current value: \(error)")
            #expect(try await follower.value("setting") == "newerValue", "a rejected proposal changes nothing")
        }
    }

    @Test("Proposal Results: with the majority killed, the result says timed out instead of throwing")
    func proposalResultTimeout() async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.timeout = .milliseconds(1500)
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader()
            for follower in await cluster.followers(of: leader) { await cluster.kill(follower.nodeID) }
            let result = try await leader.proposeWithResult("setting", "lost")
            #expect(!result.accepted)
            #expect(result.key == "setting")
            #expect(result.error == ConsensusError.timedOut.description)   // the lesson's field, for people
            #expect(result.errorCode == .timeout && result.outcomeUnknown)
            #expect(!result.quorumMet)
            #expect(result.index == nil)
        }
    }

    // MARK: - Cluster Management

    @Test("Cluster Management: addNode with metadata, removeNode, nodes, leader, isLeader")
    func clusterManagement() async throws {
        let names = ["node-001", "node-002", "node-003"]
        try await withRecordedCluster(names: names) { cluster, _ in
            _ = try await cluster.waitForLeader()
            // consensus.addNode({ id: 'node-004', address: ..., metadata: { region: 'us-west' } })
            try await cluster.add("node-004", metadata: ["region": "us-west"])
            for node in await cluster.nodes {
                let seen = await cluster.waitUntil {
                    guard let n4 = await node.nodes.first(where: { $0.id == "node-004" }) else { return false }
                    return n4.membership == .voter && n4.info.metadata == ["region": "us-west"] && n4.address == "memory://node-004"
                }
                #expect(seen, "\(node.nodeID) lists node-004 as a voter with its metadata")
            }

            // consensus.removeNode('node-002')
            try await cluster.remove("node-002")
            let remaining = await cluster.nodes.filter { $0.nodeID != "node-002" }
            for node in remaining {
                let gone = await cluster.waitUntil { await node.nodes.map(\.id) == ["node-001", "node-003", "node-004"] }
                #expect(gone, "\(node.nodeID) no longer lists node-002")
            }

            // consensus.getNodes().forEach(node => console.log(`${node.id} at ${node.address}`))
            let listed = await remaining[0].nodes
            #expect(listed.map { "\($0.id) at \($0.address)" } == [
                "node-001 at memory://node-001", "node-003 at memory://node-003", "node-004 at memory://node-004",
            ])

            // consensus.getLeader(); consensus.isLeader(): the remaining members agree on one leader.
            let agreed = await cluster.waitUntil {
                var leaders: Set<String> = []
                var leading = 0
                for node in remaining {
                    guard let leader = await node.leader else { return false }
                    leaders.insert(leader.id)
                    if await node.isLeader { leading += 1 }
                }
                return leaders.count == 1 && leading == 1 && leaders.first != "node-002"
            }
            #expect(agreed)
            for node in remaining {
                let leader = try #require(await node.leader)
                #expect(await node.isLeader == (leader.id == node.nodeID))
            }
        }
    }

    // MARK: - Complete Example: Distributed Game State

    /// The lesson's `GameStateManager` template, on one member.
    struct GameStateManager {
        let consensus: ConsensusTrait

        struct OnlyLeaderCanStart: Error, CustomStringConvertible {
            var description: String { "Only leader can start game" }
        }

        func addPlayer(_ playerID: String) async throws {
            let players = try await consensus.get("players", as: [String].self) ?? []
            try await consensus.propose("players", encoding: players + [playerID])
        }

        func updateScore(_ playerID: String, _ points: Int) async throws {
            var scores = try await consensus.get("scores", as: [String: Int].self) ?? [:]
            scores[playerID, default: 0] += points
            try await consensus.propose("scores", encoding: scores)
        }

        /// The lesson's way: refuse unless leader.
        func startGame() async throws {
            guard await consensus.isLeader else { throw OnlyLeaderCanStart() }
            try await consensus.propose("game_state", "playing")
            try await consensus.propose("current_round", 1)
        }
    }

    @Test("Complete Example: Distributed Game State on 5 nodes: addPlayer, updateScore, startGame, consensus:accepted everywhere")
    func distributedGameState() async throws {
        let names = (1...5).map { "node-\($0)" }
        try await withRecordedCluster(names: names) { cluster, recorder in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            // Any member can run the actions: our propose forwards to the leader.
            let game = GameStateManager(consensus: follower)
            for player in ["Player1", "Player2", "Player3"] { try await game.addPlayer(player) }
            try await game.updateScore("Player1", 10)
            try await game.updateScore("Player2", 5)
            try await game.updateScore("Player1", 7)
            #expect(try await follower.get("players", as: [String].self) == ["Player1", "Player2", "Player3"])
            #expect(try await follower.get("scores", as: [String: Int].self) == ["Player1": 17, "Player2": 5])

            // startGame the lesson's way on a non-leader: a clear error, nothing proposed.
            do {
                try await game.startGame()
                Issue.record("startGame on a follower should throw")
            } catch {
                #expect("\(error)" == "Only leader can start game")
            }
            #expect(try await follower.value("game_state") == nil)

            // The leader starts the game.
            try await GameStateManager(consensus: leader).startGame()
            #expect(await cluster.waitUntilEveryMember(has: "current_round", 1))

            // on "consensus:accepted"(result) { if (result.key == "game_state") broadcast(...) }: every member.
            for name in names {
                let broadcast = await eventually {
                    recorder.contains(name) { event in
                        if case .consensusAccepted(let r) = event { return r.key == "game_state" && r.value == "playing" && r.accepted }
                        return false
                    }
                }
                #expect(broadcast, "\(name) sees game_state accepted")
            }
            // Every member holds the same game state.
            #expect(await cluster.waitUntilEveryMember(has: "scores", ["Player1": 17, "Player2": 5]))
            #expect(await cluster.waitUntilEveryMember(has: "players", ["Player1", "Player2", "Player3"]))

            // Our propose works on any member: the follower could have started the game itself.
            #expect(try await follower.propose("game_state", "finished"))
        }
    }

    // MARK: - Consensus Patterns: Optimistic Updates

    /// The lesson's `optimisticUpdate`: apply locally, propose, roll back on rejection.
    actor OptimisticView {
        let consensus: ConsensusTrait
        var localState: [String: ConsensusValue] = [:]
        init(_ consensus: ConsensusTrait) { self.consensus = consensus }

        func optimisticUpdate(_ key: String, _ value: ConsensusValue) async throws -> Bool {
            localState[key] = value                    // apply immediately
            // The lesson's `propose` answers false on a timeout too; ours throws `timedOut` (the
            // outcome is unknown), so the lesson's rollback runs on both.
            let accepted = await (try? consensus.propose(key, value)) ?? false
            if !accepted {
                localState[key] = try await consensus.value(key)   // roll back on rejection
            }
            return accepted
        }
    }

    @Test("Consensus Patterns, Optimistic Updates: kept when accepted, rolled back when the proposal fails")
    func optimisticUpdates() async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.timeout = .milliseconds(1500)
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader()
            let view = OptimisticView(leader)
            #expect(try await view.optimisticUpdate("color", "red"))
            #expect(await view.localState["color"] == "red")

            // The majority goes away: the proposal cannot be committed and the view rolls back.
            for follower in await cluster.followers(of: leader) { await cluster.kill(follower.nodeID) }
            #expect(try await view.optimisticUpdate("color", "blue") == false)
            #expect(await view.localState["color"] == "red", "rolled back to the agreed value")
        }
    }

    // MARK: - Consensus Patterns: Compare and Swap

    @Test("Consensus Patterns, Compare and Swap: the lesson's check-then-propose lets two clients both win; compareAndSwap lets one")
    func compareAndSwapPattern() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let follower = await cluster.followers(of: leader)[0]
            try await leader.propose("owner", "nobody")

            // The lesson's compareAndSwap: `current = get(key); if (current !== expected) return false;
            // return propose(key, newValue)`. Two clients read before either writes (a legal
            // interleaving, made certain here): both checks pass and both proposals are accepted.
            #expect(try await leader.value("owner") == "nobody")
            #expect(await cluster.waitUntilEveryMember(has: "owner", "nobody"))
            let aliceSaw = try await leader.value("owner")
            let bobSaw = try await follower.value("owner")
            async let a = aliceSaw == "nobody" ? leader.propose("owner", "alice") : false
            async let b = bobSaw == "nobody" ? follower.propose("owner", "bob") : false
            let (aliceWon, bobWon) = try await (a, b)
            #expect(aliceWon && bobWon, "check-then-propose is racy: both clients think they swapped")
            let final = try await leader.value("owner", consistency: .linearizable)
            #expect(final == "alice" || final == "bob", "and one of them silently lost")

            // Our compareAndSwap is decided by the state machine at apply time: exactly one wins.
            try await leader.propose("owner", "nobody")
            for round in 0..<5 {
                let expected: ConsensusValue = round == 0 ? "nobody" : .string("free-\(round)")
                if round > 0 { try await leader.propose("owner", expected) }
                async let x = leader.compareAndSwap("owner", expected: expected, new: .string("alice-\(round)"))
                async let y = follower.compareAndSwap("owner", expected: expected, new: .string("bob-\(round)"))
                let (rx, ry) = try await (x, y)
                #expect(rx.accepted != ry.accepted, "round \(round): exactly one swap succeeds")
                let winner = rx.accepted ? "alice-\(round)" : "bob-\(round)"
                let loser = rx.accepted ? ry : rx
                #expect(loser.error?.contains(winner) == true, "the loser is told the current value: \(loser.error ?? "")")
                #expect(try await leader.value("owner", consistency: .linearizable) == .string(winner))
            }
        }
    }

    @Test("Consensus Patterns, Compare and Swap: concurrent increments by CAS retry lose no update")
    func compareAndSwapCounter() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            try await leader.propose("counter", 0)
            let clients = await cluster.nodes
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients {
                    group.addTask {
                        for _ in 0..<3 {
                            while true {
                                let current = try await client.value("counter", consistency: .linearizable)?.intValue ?? 0
                                let r = try await client.compareAndSwap("counter", expected: .int(current), new: .int(current + 1))
                                if r.accepted { break }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await leader.value("counter", consistency: .linearizable) == .int(Int64(clients.count * 3)))
        }
    }

    // MARK: - Consensus Patterns: Distributed Lock

    /// A resource that refuses writes carrying a fencing token older than one it has seen.
    struct FencedResource {
        var highestToken: UInt64 = 0
        var writes: [String] = []
        mutating func write(_ what: String, token: UInt64) -> Bool {
            guard token >= highestToken else { return false }
            highestToken = token
            writes.append(what)
            return true
        }
    }

    static func grant(_ result: ProposalResult) -> LockGrant? {
        if case .lock(let grant?) = result.result { return grant }
        return nil
    }

    @Test("Consensus Patterns, Distributed Lock: the lesson's put-a-lock-key lets two holders in; lockAcquire excludes, expires, and fences")
    func distributedLock() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let followers = await cluster.followers(of: leader)
            let a = followers[0], b = followers[1]

            // The lesson's acquireLock: propose `lock:resource = {holder, expires}`. Both get `true`.
            let lessonA = try await a.propose("lock:resource", ["holder": .string(a.nodeID), "expires": 5000])
            let lessonB = try await b.propose("lock:resource", ["holder": .string(b.nodeID), "expires": 5000])
            #expect(lessonA && lessonB, "a plain put is not a lock: both holders were told they acquired it")

            // Ours: acquire through the state machine.
            let first = try await a.submit(.lockAcquire(name: "resource", holder: a.nodeID, ttlMilliseconds: 60_000))
            #expect(first.accepted)
            let grantA = try #require(Self.grant(first))
            #expect(grantA.holder == a.nodeID)
            #expect(grantA.token == 1)

            let refused = try await b.submit(.lockAcquire(name: "resource", holder: b.nodeID, ttlMilliseconds: 60_000))
            #expect(!refused.accepted)
            #expect(refused.error == "the lock is held by another holder")

            // Retrying the acquire as the holder returns the same grant (same token), extended.
            let again = try await a.submit(.lockAcquire(name: "resource", holder: a.nodeID, ttlMilliseconds: 60_000))
            #expect(Self.grant(again)?.token == grantA.token)
            #expect((Self.grant(again)?.expiresAt ?? 0) >= grantA.expiresAt)

            // Release (only the holder with its token can), then b gets a larger token.
            let wrongRelease = try await b.submit(.lockRelease(name: "resource", holder: b.nodeID, token: grantA.token))
            #expect(!wrongRelease.accepted)
            let release = try await a.submit(.lockRelease(name: "resource", holder: a.nodeID, token: grantA.token))
            #expect(release.accepted)
            let second = try await b.submit(.lockAcquire(name: "resource", holder: b.nodeID, ttlMilliseconds: 300))
            let grantB = try #require(Self.grant(second))
            #expect(grantB.token > grantA.token)

            // b's short grant expires by the leader-stamped entry time (the lesson's setTimeout
            // auto-release, but decided identically on every member): a can take the lock again.
            let expired = await cluster.waitUntil(timeout: .seconds(20)) {
                let r = try? await a.submit(.lockAcquire(name: "resource", holder: a.nodeID, ttlMilliseconds: 60_000))
                return r?.accepted == true
            }
            #expect(expired)
            let third = try await a.submit(.lockAcquire(name: "resource", holder: a.nodeID, ttlMilliseconds: 60_000))
            let grantA2 = try #require(Self.grant(third))
            #expect(grantA2.token > grantB.token)

            // b was paused past its expiry: its release is refused and the resource refuses its write.
            let late = try await b.submit(.lockRelease(name: "resource", holder: b.nodeID, token: grantB.token))
            #expect(!late.accepted)
            var resource = FencedResource()
            let acceptedA = resource.write("a", token: grantA2.token)
            let acceptedStaleB = resource.write("b (stale)", token: grantB.token)
            #expect(acceptedA)
            #expect(!acceptedStaleB)
            #expect(resource.writes == ["a"])
        }
    }

    // MARK: - Debugging Consensus

    @Test("Debugging Consensus: debugState fields; vote:requested, vote:granted and log:appended events")
    func debuggingConsensus() async throws {
        try await withRecordedCluster { cluster, recorder in
            _ = try await cluster.waitForLeader()
            let result = try await cluster.nodes[0].proposeWithResult("debug", "on")
            let index = try #require(result.index)
            let (leader, _) = try await cluster.stableLeader()

            // const debug = consensus.getDebugState()
            let debug = await leader.debugState
            #expect(debug.nodeID == leader.nodeID)
            #expect(debug.currentTerm >= 1)
            #expect(debug.role == .leader)
            #expect(debug.leaderID == leader.nodeID)
            #expect(debug.commitIndex >= index)
            #expect(debug.appliedIndex >= index)
            #expect(debug.logLength >= 1)
            #expect(debug.logLength == Int(debug.lastIndex + 1 - debug.firstIndex))
            #expect(debug.voters.count == 3)
            #expect(debug.running)
            let term = debug.currentTerm
            for follower in await cluster.followers(of: leader) {
                let agrees = await cluster.waitUntil {
                    let d = await follower.debugState
                    return d.role == .follower && d.currentTerm == term && d.leaderID == leader.nodeID && d.commitIndex >= index
                }
                #expect(agrees, "\(follower.nodeID) follows \(leader.nodeID) in term \(term)")
            }

            // consensus.on('vote:requested' / 'vote:granted'): the election of this leader.
            let followerNames = await cluster.followers(of: leader).map(\.nodeID)
            let requested = followerNames.filter { recorder.contains($0, .voteRequested(from: leader.nodeID, term: term)) }
            let granted = followerNames.filter { recorder.contains($0, .voteGranted(to: leader.nodeID, term: term)) }
            #expect(!requested.isEmpty, "a follower was asked for its vote in term \(term)")
            #expect(!granted.isEmpty, "a follower granted its vote in term \(term)")
            #expect(Set(granted).isSubset(of: Set(requested)))

            // consensus.on('log:appended', entry => `${entry.term}/${entry.index} - ${entry.key}`)
            for name in await cluster.names {
                let logged = await eventually {
                    recorder.contains(name) { if case .logAppended(1...term, index, "debug") = $0 { return true }; return false }
                }
                #expect(logged, "\(name) logs <term>/\(index) - debug")
            }
        }
    }

    // MARK: - Performance Tips

    @Test("Performance Tips: the lesson's settings are accepted and a cluster runs with them")
    func performanceTips() async throws {
        let configuration = ConsensusConfiguration.raft(
            heartbeatInterval: .milliseconds(500),
            electionTimeout: .milliseconds(1500)...(.milliseconds(3000)),
            batchUpdates: true,
            batchWindow: .milliseconds(50),
            compression: true,
            snapshotInterval: 1000)
        try configuration.validate()
        #expect(configuration.mechanism == .raft)
        #expect(configuration.batchUpdates && configuration.compression)
        #expect(configuration.batchWindow == .milliseconds(50))
        #expect(configuration.snapshotInterval == 1000)
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader(timeout: .seconds(60))
            let follower = await cluster.followers(of: leader)[0]
            async let one = follower.propose("tip", 1)
            async let two = leader.propose("other", 2)
            let (first, second) = try await (one, two)
            #expect(first && second)
            #expect(await cluster.waitUntilEveryMember(has: "tip", 1, timeout: .seconds(30)))
        }
    }
}
