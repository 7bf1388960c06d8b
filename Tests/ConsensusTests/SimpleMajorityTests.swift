import Consensus
import Testing

/// The lesson's "Simple Majority Consensus" and voting-agent example, and what the mechanism
/// does when members are down, vote no, or are partitioned.
@Suite("simple_majority")
struct SimpleMajorityTests {
    actor Seen {
        var value: ConsensusValue?
        func mark(_ v: ConsensusValue?) { value = v }
    }

    static func config(timeout: Duration = .seconds(10), quorum: Double = 0.51) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.simpleMajority(timeout: timeout, quorum: quorum)
        c.heartbeatInterval = .milliseconds(10)
        c.electionTimeout = .milliseconds(60)...(.milliseconds(120))
        c.unreachableAfter = .milliseconds(300)
        return c
    }

    /// A started simple_majority cluster in virtual time, stopped after `body`.
    func withMajority(_ size: Int = 3, timeout: Duration = .seconds(10), _ body: (LocalCluster) async throws -> Void) async throws {
        try await withCluster(size: size, configuration: Self.config(timeout: timeout), body)
    }

    @Test("Lesson: propose, get and subscribe; the value reaches every member")
    func lessonSnippet() async throws {
        try await withMajority { cluster in
            let n1 = await cluster.node("node-1")!, n3 = await cluster.node("node-3")!
            let updates = n3.subscribe("player_score")
            let accepted = try await n1.propose("player_score", 100)
            #expect(accepted)
            #expect(try await n1.get("player_score", as: Int.self) == 100)
            var iterator = updates.makeAsyncIterator()
            #expect(await iterator.next() == .some(100))
            #expect(await cluster.waitUntil { await n3.localRead("player_score").value == 100 })
        }
    }

    @Test("Lesson: voting agents vote by hand; the accepted event fires on every member")
    func votingAgents() async throws {
        try await withMajority { cluster in
            let nodes = await cluster.nodes
            for n in nodes { await n.setVotePolicy(.manual) }
            let accepted = nodes[2].events
            let proposal = RuntimeExecutor.spawn { try? await nodes[0].proposeWithResult("decision", "attack") }
            // Every member, the proposer included, sees the proposal pending.
            for n in nodes { #expect(await cluster.waitUntil { await n.pendingProposals.count == 1 }) }
            let id = await nodes[1].pendingProposals[0].proposalID
            #expect(await nodes[1].pendingProposals[0].key == "decision")
            try await nodes[0].vote(id, accept: true)
            try await nodes[1].vote(id, accept: true)
            let result = try #require(await proposal.value)
            #expect(result.accepted)
            #expect(result.votes.for == 2)
            #expect(result.quorumRequired == 2)
            #expect(result.quorumMet)
            let seen = Seen()
            let watcher = RuntimeExecutor.spawn {
                for await e in accepted {
                    if case .consensusAccepted(let r) = e, r.key == "decision" { await seen.mark(r.value) }
                }
            }
            defer { watcher.cancel() }
            #expect(await cluster.waitUntil { await seen.value == "attack" })
            // The third member's vote is no longer needed: voting on it now says so.
            await #expect(throws: ConsensusError.self) { try await nodes[0].vote("nope", accept: true) }
        }
    }

    @Test("One member down: 2 of 3 is still a quorum")
    func oneDown() async throws {
        try await withMajority { cluster in
            await cluster.kill("node-3")
            let result = try await cluster.node("node-1")!.proposeWithResult("k", 1)
            #expect(result.accepted)
            #expect(result.votes.for >= 2)
        }
    }

    @Test("Too many down: rejected after the timeout, with the error and the vote counts")
    func tooManyDown() async throws {
        try await withMajority(timeout: .milliseconds(300)) { cluster in
            // Killed before anyone notices they are unreachable: the proposal waits for votes.
            await cluster.kill("node-2")
            await cluster.kill("node-3")
            let result = try await cluster.node("node-1")!.proposeWithResult("k", 1)
            #expect(!result.accepted)
            #expect(result.votes.for == 1)
            #expect(result.votes.total == 3)
            #expect(result.quorumRequired == 2)
            let error = result.error ?? ""
            #expect(error.contains("timed out") || error.contains("no quorum"))
        }
    }

    @Test("A manual 'no' majority rejects the proposal as soon as the quorum is out of reach")
    func manualNo() async throws {
        try await withMajority { cluster in
            let nodes = await cluster.nodes
            for n in nodes { await n.setVotePolicy(.validate { key, _ in key != "forbidden" }) }
            let result = try await nodes[0].proposeWithResult("forbidden", true)
            #expect(!result.accepted)
            #expect(result.votes.against >= 2)
            #expect(result.errorCode == .rejected && !result.outcomeUnknown)
            #expect(await nodes[1].localRead("forbidden").value == nil)
        }
    }

    @Test("Under a partition: the majority side accepts, the minority fails fast; the minority catches up after healing")
    func partition() async throws {
        try await withMajority(5) { cluster in
            await cluster.partition([["node-1", "node-2"], ["node-3", "node-4", "node-5"]])
            let n1 = await cluster.node("node-1")!, n3 = await cluster.node("node-3")!
            #expect(await cluster.waitUntil { await n1.currentPartition?.side == .minority })
            #expect(await cluster.waitUntil { await n3.currentPartition?.reachable == ["node-3", "node-4", "node-5"] })
            let minority = try await n1.proposeWithResult("k", "minority")
            #expect(!minority.accepted)
            #expect(try await n3.propose("k", "majority"))
            await cluster.heal()
            #expect(await cluster.waitUntil { await n1.localRead("k").value == "majority" })
        }
    }

    @Test("Concurrent proposals on one key end with the same value on every member")
    func concurrentSameKey() async throws {
        try await withMajority { cluster in
            let nodes = await cluster.nodes
            await withTaskGroup(of: Void.self) { group in
                for (i, n) in nodes.enumerated() {
                    group.addTask { _ = try? await n.propose("winner", .string("node-\(i + 1)")) }
                }
            }
            let converged = await cluster.waitUntil {
                var values: Set<ConsensusValue?> = []
                for n in nodes { values.insert(await n.localRead("winner").value) }
                return values.count == 1 && !values.contains(nil)
            }
            #expect(converged)
        }
    }

    @Test("Raft-only operations are refused with a clear error")
    func raftOnly() async throws {
        try await withMajority { cluster in
            let n1 = await cluster.node("node-1")!
            await #expect(throws: ConsensusError.self) { _ = try await n1.compareAndSwap("k", expected: nil, new: 1) }
            await #expect(throws: ConsensusError.self) { _ = try await n1.value("k", consistency: .linearizable) }
            #expect(await n1.localRead("k").mayBeStale)
        }
    }
}
