import ConsensusREPL
import ConsensusTesting
import Foundation
import Testing

/// The REPL's step mode (issue 13, part 3) and `consensus run` in step mode (issue 14, part 1),
/// in process: a session on a ``SteppedCluster`` run through the same ``ScriptRunner`` that the
/// command line uses.
@Suite("REPL: step mode sessions")
struct StepSessionTests {
    /// The transcript of `text` run through a fresh step session.
    static func transcript(_ text: String, seed: UInt64 = 1, nodes: Int = 3) async throws -> (String, ScriptRunner.Outcome) {
        let lines = Lines()
        let session = try StepSession(options: .init(seed: seed, members: nodes))
        let outcome = await ScriptRunner(write: lines.append).run(try RecipeScript(parsing: text), on: session, file: "test")
        return (lines.text, outcome)
    }

    static let election = """
        # An election, message by message.
        campaign n2
        step
        step
        stabilize
        put x 1 on n3
        stabilize
        crash leader
        tick 12
        stabilize
        why
        status
        check
        """

    @Test("the same seed and commands give byte-identical output twice; another seed differs")
    func identical() async throws {
        let (first, outcome) = try await Self.transcript(Self.election, seed: 5)
        let (second, _) = try await Self.transcript(Self.election, seed: 5)
        #expect(outcome == .passed(commands: 12))
        #expect(first == second)
        #expect(first.contains("> crash leader\ncrash n2"), "\(first)")
        #expect(first.contains("> why\nterm 2: "), "why explains the second election: \(first)")
        #expect(first.contains("check: linearizable"), "\(first)")
        let (other, _) = try await Self.transcript(Self.election, seed: 6)
        #expect(other != first, "the seed draws the election timeouts, so who campaigns after the crash differs")
    }

    @Test("save writes a script that consensus run replays to the same transcript")
    func saveAndReplay() async throws {
        let path = NSTemporaryDirectory() + "step-save-\(UUID().uuidString.prefix(8)).txt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let session = try StepSession(options: .init(seed: 4, members: 3))
        var typed: [String] = []
        for line in ["campaign n1", "bogus", "stabilize", "crash n7", "put k v", "help", "stabilize", "get k on n2", "stabilize"] {
            typed.append(line)
            _ = await session.run(line)
        }
        let saved = await session.run("save \(path)")
        #expect(saved.text == "saved 6 commands to \(path); replay them with: consensus run \(path)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# mode: simulated seed=4 nodes=3\n"))
        let script = try RecipeScript(parsing: text)
        #expect(script.mode == "simulated")
        let options = try SteppedClusterOptions.from(settings: script.settings)
        #expect(options.seed == 4 && options.members == 3)
        let (replayed, outcome) = try await Self.transcript(text, seed: 4)
        #expect(outcome == .passed(commands: 6))
        #expect(replayed.contains("n2 answers req-2 get k: ok \"v\""), "\(replayed)")
    }

    @Test("errors: one line each, the session goes on; the REPL's own commands work")
    func errors() async throws {
        let session = try StepSession(options: .init(seed: 1, members: 3))
        let bad = await session.run("campain n1")
        #expect(bad.failed && bad.text == "error: unknown command \"campain\"; did you mean campaign?")
        let watch = await session.run("watch x")
        #expect(watch.failed && watch.text.hasPrefix("error: watch:"))
        #expect(await session.run("leader").text == "no member leads right now")
        #expect(await session.run("nodes").text == "n1 n2 n3")
        #expect(await session.run("help").text.contains("campaign <member>"))
        #expect(await session.run("help kill").text == "usage: crash <member>")
        #expect(await session.run("quit").quit)
        #expect(await session.run("save").failed)
    }

    @Test("a wrong expect stops the run with a readable diff")
    func wrongExpect() async throws {
        let (text, outcome) = try await Self.transcript("""
            campaign n1
            stabilize
            put x 1
            expect req-1 put x 1 -> n1
            expect   n1 appends 1/2 put x=2
            expect ...
            status
            """)
        #expect(outcome == .failed(line: 3, reason: "test:3: the output of 'put x 1' is not what the expect lines say"))
        #expect(text.contains("""
            FAILED test:3: the output of 'put x 1' is not what the expect lines say (- expected, + got):
              req-1 put x 1 -> n1
            - expect   n1 appends 1/2 put x=2
            +   n1 appends 1/2 put x=1
              (then 2 more output lines and 1 more expect lines)
            """), "\(text)")
        #expect(!text.contains("> status"), "the run stops at the mismatch")
    }

    @Test("a command that fails without expect lines stops the run; with them, it is part of the lesson")
    func failedCommand() async throws {
        let (_, stopped) = try await Self.transcript("crash n9\nstatus")
        #expect(stopped == .failed(line: 1, reason: "test:1: 'crash n9' failed; a recipe stops there unless expect lines say what should happen"))
        let (_, passed) = try await Self.transcript("crash n9\nexpect ~ error: no member .*\nstatus\nexpect ...")
        #expect(passed == .passed(commands: 2))
    }
}

/// Lines written from any task.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    func append(_ line: String) { lock.withLock { lines.append(line) } }
}
