import Consensus
import ConsensusRecipes
import Foundation
import Testing

/// The Swift snippets of tutorials/ (issue 14, item 5), compiled and run in virtual time. Each
/// snippet sits between `// --- tutorials/...` and `// --- end ---`; the last test checks that
/// every ```` ```swift ```` block of tutorials/*.md appears verbatim (up to indentation) here, in
/// another TutorialSnippets*.swift file or in Examples/*/main.swift, so no snippet can drift.
@Suite("Tutorials: Swift snippets")
struct TutorialSnippetsTests {
    @Test("01: a value proposed on one member is read on another")
    func whyConsensus() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            // --- tutorials/01-why-consensus.md ---
            let alice = await cluster.node("node-1")!
            let bob = await cluster.node("node-3")!
            try await alice.propose("value", 5)                 // agreed by a majority, then applied
            let seen = try await bob.get("value", as: Int.self, consistency: .linearizable)
            print("node-3 reads", seen ?? 0)                    // 5, never an older value
            // --- end ---
            #expect(seen == 5)
        }
    }

    @Test("02: simple_majority: propose, read, subscribe, vote by hand")
    func simpleMajority() async throws {
        // --- tutorials/02-simple-majority.md: configuration ---
        let configuration = ConsensusConfiguration.simpleMajority(timeout: .seconds(5), quorum: 0.51)
        // --- end ---
        try await withCluster(configuration: configuration) { cluster in
            let node = await cluster.node("node-1")!
            // --- tutorials/02-simple-majority.md: propose ---
            let watcher = node.subscribe("player_score") { value in print("score updated to", value ?? "nothing") }
            let accepted = try await node.propose("player_score", 100)
            print(accepted ? "accepted by a majority" : "refused: it will never be applied")
            let score = try await node.get("player_score", as: Int.self)   // a local read
            print("current score:", score ?? 0)
            watcher.cancel()
            // --- end ---
            #expect(accepted && score == 100)

            let members = await cluster.nodes
            // --- tutorials/02-simple-majority.md: manual votes ---
            for member in members { await member.setVotePolicy(.manual) }
            async let proposal = members[0].proposeWithResult("map", "forest")
            for voter in members.dropFirst() {
                _ = await cluster.waitUntil { await !voter.pendingProposals.isEmpty }
                if let pending = await voter.pendingProposals.first {      // id, key, value, proposer
                    try await voter.vote(pending.proposalID, accept: true)
                }
            }
            let result = try await proposal
            print(result.accepted, "with \(result.votes.for) of \(result.quorumRequired) votes needed")
            // --- end ---
            #expect(result.accepted && result.quorumMet)
        }
    }

    @Test("03: raft: the leader proposes; events report elections")
    func raft() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            // --- tutorials/03-raft.md: propose ---
            if await leader.isLeader {
                let committed = try await leader.propose("config", ["maxPlayers": 10])
                print("proposal", committed ? "committed" : "refused")
            }
            // --- end ---
            let node = await cluster.followers(of: leader)[0]
            await cluster.kill(leader.nodeID)
            // --- tutorials/03-raft.md: events ---
            for await event in node.events {                  // what this member sees, as it happens
                if case let .leaderElected(leader, term) = event {
                    print("term \(term): \(leader) leads\(leader == node.nodeID ? " (me)" : "")")
                    break
                }
            }
            // --- end ---
            #expect(try await cluster.waitForLeader().nodeID != leader.nodeID)
        }
    }

    @Test("04: proposal results, and what an error says")
    func proposalResults() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let node = await cluster.node("node-2")!
            // --- tutorials/04-proposal-results.md ---
            let result = try await node.proposeWithResult("setting", "newValue")
            print("""
                proposal \(result.proposalID) on \(result.key): \(result.accepted ? "accepted" : "not accepted")
                votes: \(result.votes.for) for, \(result.votes.against) against, \(result.votes.total) in all; \(result.quorumRequired) needed
                """)
            if !result.accepted, let code = result.errorCode {
                if result.outcomeUnknown {
                    print("no answer in time: it may still be applied; read the key before trying again")
                } else {
                    print("refused (\(code)): it never will be applied; safe to try again")
                }
            }
            // --- end ---
            #expect(result.accepted && result.quorumMet)
            // --- tutorials/04-proposal-results.md: errors ---
            do throws(ConsensusError) {
                try await node.propose("setting", "other")
            } catch let error where error.mayHaveTakenEffect {
                print("timed out: the write may or may not happen (\(error))")
            } catch {
                print("refused: the write will not happen (\(error.code))")
            }
            // --- end ---
        }
    }

    @Test("05: membership: add, remove, list")
    func clusterManagement() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            // --- tutorials/05-cluster-management.md ---
            try await cluster.add("node-4", metadata: ["region": "us-west"])   // joins empty, through consensus
            let leader = try await cluster.waitForLeader()
            let gone = leader.nodeID == "node-2" ? "node-3" : "node-2"
            try await leader.removeNode(gone)
            for member in await leader.nodes {
                print(member.id, member.membership, member.isLeader ? "leads" : "", member.connected ? "" : "unreachable")
            }
            print("leader:", await leader.leader?.id ?? "none", "- am I?", await leader.isLeader)
            // --- end ---
            let ids = await leader.nodes.map(\.id)
            #expect(ids.contains("node-4") && !ids.contains(gone))
        }
    }

    @Test("06: a partition: events, and writes refused at once on the minority side")
    func partitions() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let node = await cluster.followers(of: leader)[0]
            // --- tutorials/06-partitions.md ---
            let events = node.events
            await cluster.isolate(node.nodeID)
            for await event in events {
                if case .nodeUnreachable(let peer) = event { print("lost contact with", peer) }
                if case .partitionDetected(let partition) = event {
                    print("\(partition.side) side; I still reach \(partition.reachable)")
                    break
                }
            }
            do throws(ConsensusError) {
                try await node.propose("x", 1)
            } catch .noQuorum {
                print("minority side: refused at once, nothing written")   // not a timeout
            }
            await cluster.heal()
            // --- end ---
            #expect(await cluster.waitUntil { await node.hasQuorum })
        }
    }

    @Test("08: patterns: compare-and-swap, optimistic value, fenced lock")
    func patterns() async throws {
        try await withCluster { cluster in
            _ = try await cluster.waitForLeader()
            let node = await cluster.node("node-2")!
            // --- tutorials/08-patterns.md: compare-and-swap ---
            let cas = CompareAndSwap(on: node)
            let created = try await cas.swap("owner", expected: nil, new: "alice")    // create if absent
            let stolen = try await cas.swap("owner", expected: nil, new: "bob")       // loses: not absent
            print(created.swapped, stolen.swapped)                                     // true false
            let visits = try await cas.update("visits") { old in .int((old?.intValue ?? 0) + 1) }
            print("visits \(visits.new ?? 0) after \(visits.attempts) attempt(s)")
            // --- end ---
            #expect(created.swapped && !stolen.swapped && visits.new == 1)

            // --- tutorials/08-patterns.md: optimistic value ---
            let color = await OptimisticValue("color", on: node)
            let outcome = await color.set("red")           // shows at once, then is proposed as a CAS
            print(await color.optimistic ?? "absent", outcome)
            await color.stop()
            // --- end ---
            #expect(await color.agreed == "red")

            let printer = FencedResource<[String]>([])
            // --- tutorials/08-patterns.md: lock ---
            let lock = DistributedLock("printer", holder: "worker-1", on: node)
            let grant = try await lock.acquire(ttl: .seconds(5), wait: .seconds(10))
            try await printer.modify(token: grant.token) { $0.append("page 1") }   // fenced write
            try await lock.release(grant)
            // --- end ---
            // --- tutorials/08-patterns.md: withLock ---
            try await DistributedLock("printer", holder: "worker-2", on: node).withLock(ttl: .seconds(5)) { token in
                try await printer.modify(token: token) { $0.append("page 2") }      // renewed in the background
            }
            // --- end ---
            // --- tutorials/08-patterns.md: stale token ---
            do {
                try await printer.modify(token: grant.token) { $0.append("late page") }
            } catch {
                print(error)    // refused: a newer token has written since
            }
            // --- end ---
            #expect(await printer.value == ["page 1", "page 2"])
        }
    }

    @Test("09: the debug state and the vote and log events")
    func debugging() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let node = await cluster.followers(of: leader)[0]
            // --- tutorials/09-debugging.md: debug state ---
            let debug = await node.debugState
            print("term \(debug.currentTerm), \(debug.role), leader \(debug.leaderID ?? "none")")
            print("commit \(debug.commitIndex), applied \(debug.appliedIndex), log \(debug.logLength) entries")
            // --- end ---
            let events = node.events
            try await leader.propose("k", "v")
            // --- tutorials/09-debugging.md: events ---
            for await event in events {
                switch event {
                case let .voteRequested(from, term): print("vote requested by \(from) for term \(term)")
                case let .voteGranted(to, term): print("vote granted to \(to) for term \(term)")
                case let .logAppended(term, index, key): print("log \(term)/\(index) \(key ?? "(no key)")")
                default: continue
                }
                if case .logAppended(_, _, "k"?) = event { break }
            }
            // --- end ---
            #expect(debug.role == .follower)
        }
    }

    @Test("10: a tuned configuration validates and runs")
    func performance() async throws {
        // --- tutorials/10-performance.md ---
        let tuned = ConsensusConfiguration.raft(
            timeout: .seconds(5),
            heartbeatInterval: .milliseconds(50),
            electionTimeout: .milliseconds(500)...(.milliseconds(1000)),
            batchUpdates: true, batchWindow: .milliseconds(5),   // many proposals, one entry
            compression: true, compressionThreshold: 1024,       // large values shrink in the log
            snapshotInterval: 1000)                              // compact every 1,000 entries
        try tuned.validate()                                     // names a bad field, never traps
        // --- end ---
        try await withCluster(configuration: tuned) { cluster in
            let leader = try await cluster.waitForLeader()
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<20 { group.addTask { try await leader.propose("k\(i)", .int(Int64(i))) } }
                for try await accepted in group { #expect(accepted) }
            }
        }
    }

    @Test("every ```swift block of tutorials/*.md is compiled code")
    func snippetsAreCompiled() throws {
        let root = Self.packageRoot
        let files = FileManager.default
        let compiled = try (files.contentsOfDirectory(atPath: root + "/Tests/ConsensusRecipesTests")
            .filter { $0.hasPrefix("TutorialSnippets") && $0.hasSuffix(".swift") }
            .map { root + "/Tests/ConsensusRecipesTests/" + $0 }
            + files.contentsOfDirectory(atPath: root + "/Examples").map { root + "/Examples/\($0)/main.swift" })
            .map { try String(contentsOfFile: $0, encoding: .utf8) }
        let chapters = try files.contentsOfDirectory(atPath: root + "/tutorials").filter { $0.hasSuffix(".md") }.sorted()
        var count = 0
        for chapter in chapters {
            let text = try String(contentsOfFile: root + "/tutorials/" + chapter, encoding: .utf8)
            for block in MarkdownBlock.blocks(in: text, file: "tutorials/" + chapter) where block.info == "swift" {
                count += 1
                #expect(compiled.contains { MarkdownBlock.contains($0, block.lines) },
                        "\(block): this swift block is not in TutorialSnippets*.swift or Examples/*/main.swift; put it there so it compiles")
            }
        }
        #expect(count >= 10)
    }

    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.path
    }
}
