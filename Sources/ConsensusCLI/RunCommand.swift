import ArgumentParser
import ConsensusREPL
import ConsensusTesting
import Foundation

/// `consensus run FILE`: replays a recipe script (REPL commands, `#` narration, `expect`
/// lines) on a local cluster of node processes, or in step mode with `--simulated`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a recipe script: REPL commands, '#' narration and 'expect' lines that check the output.",
        discussion: """
            Each command is echoed as '> command', then its output. 'expect <text>' (exact), 'expect ~ <regex>' \
            (the whole line) and 'expect ...' (any lines) check the output of the command above them; a mismatch \
            stops the run with a diff and exit status 1, and so does a command that failed without expect lines. \
            A first line '# mode: simulated seed=8 nodes=5' (or '# mode: cluster nodes=3') says how to run the \
            script, so that no flags are needed; the flags below override it. Without a header, the script runs \
            on a local cluster of 3 node processes, which are stopped at the end.
            """)

    @Argument(help: "The script (for example recipes/figure-8.txt).")
    var file: String

    @Flag(help: "Pause before each command: Enter runs it, q stops.")
    var step = false

    @Flag(help: "Run in step mode (a simulated cluster in this process), whatever the header says.")
    var simulated = false

    @Option(help: "Step mode: the seed (overrides the header's).")
    var seed: UInt64?

    @Option(help: "How many members (overrides the header's).")
    var nodes: Int?

    @Option(help: "Cluster mode: how long to wait for the local cluster's leader (default 60s).")
    var wait = "60s"

    func validate() throws {
        guard DurationArgument(wait) != nil else { throw ValidationError("--wait: a duration such as 60s, not '\(wait)'") }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw Self.usageError("cannot read '\(file)' as UTF-8 text: check the path")
        }
        let script: RecipeScript
        do { script = try RecipeScript(parsing: text) } catch {
            throw Self.usageError("\(file): \(error)")
        }
        var settings = script.settings
        if let seed { settings["seed"] = String(seed) }
        if let nodes { settings["nodes"] = String(nodes) }
        let simulated = self.simulated || script.mode == "simulated"
        if !simulated, seed != nil { throw Self.usageError("--seed applies to step mode: add --simulated (or '# mode: simulated' in the script)") }
        let write: @Sendable (String) -> Void = { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        var runner = ScriptRunner(write: write)
        if step { runner.beforeCommand = Self.pause }
        let session: any LineInterpreter
        do {
            if simulated {
                let options = try SteppedClusterOptions.from(settings: settings)
                session = try StepSession(options: options)
            } else {
                let plan = try ClusterPlan.from(settings: settings)
                session = try await Self.startCluster(plan, wait: DurationArgument(wait)?.duration ?? .seconds(60), write: write)
            }
        } catch let error as ReplError {
            throw Self.usageError("\(file): \(error.message)")
        }
        let outcome = await runner.run(script, on: session, file: file)
        await session.shutdown()
        switch outcome {
        case .passed(let commands): write("# \(file): \(commands) commands, every expect line held")
        case .failed: throw ExitCode(1)
        case .stopped: write("# stopped"); throw ExitCode(1)
        }
    }

    /// Says what is wrong with the script or the flags, in one line on stderr; exit status 2.
    static func usageError(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("consensus run: \(message)\n".utf8))
        return ExitCode(2)
    }

    /// Starts a local cluster of node processes (they exit with this process) and a session on it.
    static func startCluster(_ plan: ClusterPlan, wait: Duration, write: @escaping @Sendable (String) -> Void) async throws -> ReplSession {
        var plan = plan
        plan.parentPID = getpid()
        let directory = NSTemporaryDirectory() + "consensus-run-" + UUID().uuidString.prefix(8).lowercased()
        let (backend, leader) = try await ProcessBackend.start(plan: plan, directory: directory,
                                                               executable: MemberProcess.currentExecutable(), timeout: wait)
        write("# started \(plan.nodes) local consensus node processes (\(plan.mechanism)); \(leader)")
        return ReplSession(backend: backend) { line in write(line) }
    }

    /// `--step`: waits for Enter before a command; `q` (or the end of input) stops.
    @Sendable static func pause(_ command: String) async -> Bool {
        FileHandle.standardOutput.write(Data("(next: \(command); Enter runs it, q stops) ".utf8))
        guard let answer = readLine() else { return false }
        return answer.trimmingCharacters(in: .whitespaces).lowercased() != "q"
    }
}
