import ConsensusREPL
import ConsensusTesting
import Foundation
import Testing

/// The tutorials' transcripts are checked (issue 14, item 5): every ```` ```transcript ```` block
/// of `tutorials/*.md` and `README.md` is replayed on a fresh step-mode session and must print
/// exactly what the block shows.
///
/// A block's first line is the header `# mode: simulated seed=N nodes=N` (any setting that
/// ``SteppedClusterOptions/from(settings:)`` takes); then each command as `> command`, followed
/// by its output lines, up to the next `> `. Produce one by running the commands:
/// `printf 'campaign n1\nstabilize\n' | consensus repl --simulated --seed 1`.
@Suite("Tutorials: transcripts and files")
struct TutorialTranscriptTests {
    /// The package root: the first directory above this file that holds Package.swift.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.path
    }()

    /// The chapters, in order (tutorials/README.md gives the order too).
    static let chapters = [
        "01-why-consensus.md", "02-simple-majority.md", "03-raft.md", "04-proposal-results.md",
        "05-cluster-management.md", "06-partitions.md", "07-game-state.md", "08-patterns.md",
        "09-debugging.md", "10-performance.md", "11-counter-exercise.md",
    ]

    /// The scripts in recipes/ that the tutorials may point to.
    static let recipes: Set<String> = [
        "leader-election", "log-replication", "figure-8", "simple-majority", "manual-voting",
        "proposal-results", "cluster-membership", "network-partition", "optimistic-update",
        "compare-and-swap", "distributed-lock", "lock-safety-lab", "app-leader-election",
        "distributed-counter", "game-state", "debugging", "performance-tips",
    ]

    /// tutorials/*.md (sorted) and README.md, relative to the root.
    static var markdownFiles: [String] {
        let tutorials = (try? FileManager.default.contentsOfDirectory(atPath: root + "/tutorials")) ?? []
        return tutorials.filter { $0.hasSuffix(".md") }.sorted().map { "tutorials/" + $0 } + ["README.md"]
    }

    static func text(_ file: String) -> String {
        (try? String(contentsOfFile: root + "/" + file, encoding: .utf8)) ?? ""
    }

    /// Every transcript block, by `file:line`.
    static let transcripts: [String: MarkdownBlock] = {
        var blocks: [String: MarkdownBlock] = [:]
        for file in markdownFiles {
            for block in MarkdownBlock.blocks(in: text(file), file: file) where block.info == "transcript" {
                blocks[block.description] = block
            }
        }
        return blocks
    }()

    @Test("a transcript replays on a fresh step session, byte for byte", arguments: transcripts.keys.sorted())
    func replay(_ name: String) async throws {
        let block = try #require(Self.transcripts[name])
        let header = try #require(block.lines.first, "\(name): an empty transcript block")
        let parsed = try RecipeScript(parsing: header)
        guard header.hasPrefix("# mode:"), parsed.mode == "simulated" else {
            Issue.record("\(name): a transcript block starts with '# mode: simulated seed=N nodes=N' (step mode; process-mode examples go in ```text blocks), not '\(header)'")
            return
        }
        let session = try StepSession(options: SteppedClusterOptions.from(settings: parsed.settings))
        // (line in the file, command, expected output lines)
        var steps: [(line: Int, command: String, expected: [String])] = []
        for (offset, line) in block.lines.enumerated().dropFirst() {
            if line.hasPrefix("> ") {
                steps.append((block.line + 1 + offset, String(line.dropFirst(2)), []))
            } else if steps.isEmpty {
                if !line.isEmpty { Issue.record("\(name): '\(line)' comes before the first '> ' command") }
            } else {
                steps[steps.count - 1].expected.append(line)
            }
        }
        #expect(!steps.isEmpty, "\(name): no '> ' command in the transcript")
        for step in steps {
            let result = await session.run(step.command)
            let output = result.text.isEmpty ? [] : result.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // A blank line at the end of a block's output is only spacing.
            var expected = step.expected
            while expected.last == "" && output.last != "" { expected.removeLast() }
            let expectations = expected.map { RecipeScript.Expectation.exact($0) }
            if !OutputMatch.matches(output, expectations) {
                Issue.record("""
                    \(block.file):\(step.line): the output of '\(step.command)' differs from the transcript (- transcript, + now):
                    \(OutputMatch.diff(output, expectations).joined(separator: "\n"))
                    whole output now:
                    \(output.joined(separator: "\n"))
                    """)
                return
            }
        }
    }

    /// Rewrite mode, as in etcd's interaction tests: `CONSENSUS_REWRITE_TRANSCRIPTS=1 swift test
    /// --skip-build --filter TutorialTranscript` keeps each block's header and `> ` commands and
    /// puts under each command what it prints now. A new transcript is written as the header and
    /// its commands alone; review the rewritten output (git diff) before committing it. The
    /// replay cases of the same run still compare with the old text.
    @Test("rewrite mode: every transcript's output regenerated",
          .enabled(if: ProcessInfo.processInfo.environment["CONSENSUS_REWRITE_TRANSCRIPTS"] == "1"))
    func rewrite() async throws {
        for file in Self.markdownFiles {
            let text = Self.text(file)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // From the last block up, so that the line numbers of the earlier ones stay valid.
            for block in MarkdownBlock.blocks(in: text, file: file).reversed() where block.info == "transcript" {
                let header = try #require(block.lines.first)
                let session = try StepSession(options: SteppedClusterOptions.from(settings: RecipeScript(parsing: header).settings))
                var body = [header]
                for line in block.lines.dropFirst() where line.hasPrefix("> ") {
                    body.append(line)
                    let output = await session.run(String(line.dropFirst(2))).text
                    if !output.isEmpty { body += output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
                }
                // The opening fence is line `block.line` (1-based), so the body starts at that index.
                lines.replaceSubrange(block.line..<(block.line + block.lines.count), with: body)
            }
            let rewritten = lines.joined(separator: "\n")
            if rewritten != text { try rewritten.write(toFile: Self.root + "/" + file, atomically: true, encoding: .utf8) }
        }
    }

    @Test("there are transcripts, and every chapter has at least one")
    func everyChapterHasTranscripts() {
        #expect(Self.transcripts.count >= 11)
        for chapter in Self.chapters {
            #expect(Self.transcripts.values.contains { $0.file == "tutorials/" + chapter }, "tutorials/\(chapter) has no transcript block")
        }
    }

    @Test("the eleven chapters and tutorials/README.md exist, and the README names each chapter")
    func chaptersExist() {
        let index = Self.text("tutorials/README.md")
        #expect(!index.isEmpty, "tutorials/README.md is missing")
        for chapter in Self.chapters {
            #expect(FileManager.default.fileExists(atPath: Self.root + "/tutorials/" + chapter), "tutorials/\(chapter) is missing")
            #expect(index.contains(chapter), "tutorials/README.md does not link \(chapter)")
        }
    }

    @Test("every recipes/<name>.txt the tutorials name is one of the recipes (and exists, once recipes/ does)")
    func recipesNamed() throws {
        let pattern = /recipes\/([a-z0-9-]+)\.txt/
        let hasRecipes = FileManager.default.fileExists(atPath: Self.root + "/recipes")
        var named: Set<String> = []
        for file in Self.markdownFiles where file.hasPrefix("tutorials/") {
            for match in Self.text(file).matches(of: pattern) {
                let name = String(match.1)
                named.insert(name)
                #expect(Self.recipes.contains(name), "\(file) names recipes/\(name).txt, which is not one of the recipes")
                if hasRecipes {
                    #expect(FileManager.default.fileExists(atPath: Self.root + "/recipes/\(name).txt"), "\(file) names recipes/\(name).txt, which does not exist")
                }
            }
        }
        #expect(named.count >= 10, "the tutorials point to only \(named.sorted())")
    }
}
