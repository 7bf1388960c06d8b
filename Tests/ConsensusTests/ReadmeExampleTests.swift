import Consensus
import Testing

/// The README's "Use it from Swift" example, verbatim, so that it compiles and runs.
@Suite("README")
struct ReadmeExampleTests {
    @Test("README, Use it from Swift: the example runs as written")
    func useItFromSwift() async throws {
        // Real time on a thread of its own (see onDedicatedThread): CPU-bound tests elsewhere
        // in the run cannot starve this cluster of Swift's shared threads.
        try await onDedicatedThread {
            // --- README.md, "Use it from Swift" (keep in sync) ---

            // Three members on an in-memory network (default timing: 100 ms heartbeats, elections
            // after 1-2 s of silence), and a generous proposal timeout for a busy machine.
            let cluster = LocalCluster(size: 3, configuration: .raft(timeout: .seconds(30)))
            try await cluster.start()
            let leader = try await cluster.waitForLeader()
            let node = await cluster.node("node-2")!            // any member: followers forward to the leader

            try await node.propose("config", ["maxPlayers": 10])
            let result = try await node.compareAndSwap("round", expected: nil, new: 1)  // decided at apply time
            print(result.accepted, "\(result.votes.for)/\(result.votes.total) votes")   // true 2/3 votes (or 3/3)

            let config = try await node.get("config", as: [String: Int].self, consistency: .linearizable)
            print(config ?? [:], "led by", leader.nodeID)       // ["maxPlayers": 10] led by node-1 (or another)
            await cluster.stop()

            // --- end of the example ---
            #expect(result.accepted)
            #expect(result.votes.total == 3 && result.quorumMet)
            #expect(config == ["maxPlayers": 10])
            #expect(await cluster.names.contains(leader.nodeID))
        }
    }

    @Test("README: the test holds the same code as README.md")
    func readmeMatches() throws {
        let readme = try String(contentsOfFile: Self.packageRoot + "/README.md", encoding: .utf8)
        let test = try String(contentsOfFile: Self.packageRoot + "/Tests/ConsensusTests/ReadmeExampleTests.swift", encoding: .utf8)
        let section = try #require(readme.range(of: "## Use it from Swift"))
        let rest = readme[section.upperBound...]
        // The example is the section's block that starts with the import (the one before it is
        // the Package.swift fragment, checked below).
        let open = try #require(rest.range(of: "```swift\nimport Consensus\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        let lines = rest[open.upperBound..<close.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "import Consensus" }
        let testLines = Set(test.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = lines.filter { !testLines.contains($0) }
        #expect(!lines.isEmpty)
        #expect(missing.isEmpty, "README lines not in ReadmeExampleTests: \(missing)")
    }

    @Test("README: the Package.swift lines name products this package has")
    func packageLines() throws {
        let readme = try String(contentsOfFile: Self.packageRoot + "/README.md", encoding: .utf8)
        let manifest = try String(contentsOfFile: Self.packageRoot + "/Package.swift", encoding: .utf8)
        let fragment = try #require(readme.range(of: "```swift\n// Package.swift\n"))
        let end = try #require(readme[fragment.upperBound...].range(of: "```"))
        let text = readme[fragment.upperBound..<end.lowerBound]
        let products = text.matches(of: /\.product\(name: "(\w+)", package: "swift-consensus"\)/).map { String($0.1) }
        #expect(products == ["Consensus", "ConsensusRecipes"])
        for product in products { #expect(manifest.contains(".library(name: \"\(product)\""), "no library product \(product)") }
        #expect(manifest.contains("name: \"swift-consensus\""), "the package name users depend on")
    }

    static var packageRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}

import Foundation
