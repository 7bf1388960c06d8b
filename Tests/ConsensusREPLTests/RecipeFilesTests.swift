import Foundation
import Testing

/// Every script in `recipes/` runs through the built `consensus run` and every `expect` line in
/// it holds (issue 14, item 3). Each recipe is its own test case. Step-mode recipes are
/// deterministic; cluster-mode ones start real local node processes and match by pattern, and
/// none may leave a process behind. Nothing here asserts on elapsed time.
@Suite("Recipes: every recipes/*.txt runs and its expect lines hold")
struct RecipeFilesTests {
    /// The package root: the first directory above this file that holds `Package.swift`.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
            url.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }()

    static let directory = root + "/recipes"

    /// The file names in `recipes/` that end in `.txt`, sorted.
    static let names: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return all.filter { $0.hasSuffix(".txt") }.sorted()
    }()

    /// The topics the issue asks for, one script each.
    static let required = [
        "leader-election.txt", "log-replication.txt", "figure-8.txt", "simple-majority.txt", "manual-voting.txt",
        "proposal-results.txt", "cluster-membership.txt", "network-partition.txt", "optimistic-update.txt",
        "compare-and-swap.txt", "distributed-lock.txt", "lock-safety-lab.txt", "app-leader-election.txt",
        "distributed-counter.txt", "game-state.txt", "debugging.txt", "performance-tips.txt",
    ]

    @Test("recipes/ holds a script for every topic of the issue")
    func everyTopic() {
        let missing = Self.required.filter { !Self.names.contains($0) }
        #expect(missing.isEmpty, "missing from \(Self.directory): \(missing)")
        #expect(Self.names.count >= Self.required.count)
    }

    @Test("consensus run passes, and leaves no node process behind", arguments: names)
    func recipe(_ name: String) throws {
        let path = Self.directory + "/" + name
        let run = try ReplRun()
        defer { run.tearDown() }
        let (status, output) = try run.piped("", [path], command: "run", timeout: .seconds(900))
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status == 0, "\(output)")
        #expect(last.hasPrefix("# \(path): ") && last.hasSuffix(" commands, every expect line held"), "last line: \(last)\n\(output)")
        #expect(run.nodesGone().isEmpty, "node processes left behind by \(name)")
    }

    @Test("a recipe with one wrong expect line fails with a diff")
    func wrongExpect() throws {
        let original = try String(contentsOfFile: Self.directory + "/leader-election.txt", encoding: .utf8)
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let exact = try #require(lines.firstIndex { $0.hasPrefix("expect ") && !$0.hasPrefix("expect ~") && $0 != "expect ..." },
                                 "leader-election.txt has an exact expect line")
        let wrong = lines[exact] + " (not what it prints)"
        lines[exact] = wrong
        let run = try ReplRun()
        defer { run.tearDown() }
        let path = run.root + "/wrong.txt"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try run.piped("", [path], command: "run", timeout: .seconds(600))
        #expect(status == 1, "\(output)")
        #expect(output.contains("FAILED \(path):"), "\(output)")
        #expect(output.contains("\n- " + wrong + "\n+ "), "\(output)")
        #expect(!output.contains("every expect line held"), "\(output)")
    }
}
