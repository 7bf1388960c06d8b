import ArgumentParser
import ConsensusREPL
import ConsensusTesting
import Foundation

/// `consensus repl`: the interactive REPL on a local cluster of node processes (or on a running
/// cluster with `--connect`).
struct ReplCommandLine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "An interactive shell on a local cluster: put, get, kill the leader, partition, heal, watch it recover.",
        discussion: """
            With no --connect, starts N 'consensus node' processes (n1..nN) on free loopback ports in a temporary
            directory, waits for a leader, and stops them all when the session ends (quit, Ctrl-D, end of input,
            SIGINT/SIGTERM/SIGHUP; they also exit if the REPL is killed). Type 'help' inside for the commands.
            Piped input runs as a script: no prompt, and the exit status is 1 if a command failed.
            """)

    @OptionGroup var settings: ClusterPlanOptions

    @Option(help: "Attach to a running cluster instead: the members' API addresses, host:port,...")
    var connect: String?

    @Option(help: "How long to wait for the local cluster's leader (default 60s).")
    var wait = "60s"

    @Flag(help: "Step mode: a deterministic simulated cluster in this process; nothing moves until you say so, every message is shown.")
    var simulated = false

    @Option(help: "Step mode: the seed (the same seed and commands print the same bytes; default 1).")
    var seed: UInt64?

    /// The step mode's options, from --seed, --nodes, --mechanism and --quorum.
    func stepOptions() throws(ReplError) -> SteppedClusterOptions {
        var settings = ["nodes": String(settings.nodes), "mechanism": settings.mechanism, "seed": String(seed ?? 1)]
        if let quorum = self.settings.quorum { settings["quorum"] = String(quorum) }
        return try SteppedClusterOptions.from(settings: settings)
    }

    func validate() throws {
        if simulated {
            if connect != nil { throw ValidationError("--simulated runs a cluster in this process: it cannot --connect") }
            if settings.heartbeat != nil || settings.electionTimeout != nil {
                throw ValidationError("--simulated counts time in heartbeat intervals ('tick'): --heartbeat and --election-timeout shape process clusters only")
            }
            do { _ = try stepOptions() } catch { throw ValidationError("--\(error.message)") }
            return
        }
        if seed != nil { throw ValidationError("--seed applies to step mode: add --simulated") }
        if let problem = settings.plan(parentPID: nil).problem { throw ValidationError(problem) }
        guard DurationArgument(wait) != nil else { throw ValidationError("--wait: a duration such as 60s, not '\(wait)'") }
        if let connect, connect.split(separator: ",").isEmpty {
            throw ValidationError("--connect: the members' API addresses, as 127.0.0.1:8001,127.0.0.1:8002")
        }
    }

    func run() async throws {
        let shell = ReplShell(historyPath: ReplShell.defaultHistoryPath)
        if simulated {
            let options = try stepOptions()
            let status = await shell.run(prompt: "step> ") {
                let session = try StepSession(options: options)
                return (session, session.greeting(options))
            }
            if status != 0 { throw ExitCode(status) }
            return
        }
        let plan = settings.plan(parentPID: getpid())
        let connect = self.connect.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let timeout = DurationArgument(wait)?.duration ?? .seconds(60)
        // A session attached with --connect is saved for a local cluster of the same size.
        let header = connect.map { ["nodes=\($0.count)"] } ?? plan.scriptSettings
        let status = await shell.run(scriptSettings: header) {
            if let connect {
                let backend = try await ProcessBackend.connect(connect)
                return (backend, "Attached to \(backend.order.count) members (\(backend.order.joined(separator: ", "))); "
                                 + "kill, restart and pause only work on members this session started. Type 'help' for commands.")
            }
            let directory = NSTemporaryDirectory() + "consensus-repl-" + UUID().uuidString.prefix(8).lowercased()
            let (backend, leader) = try await ProcessBackend.start(plan: plan, directory: directory,
                                                                   executable: MemberProcess.currentExecutable(), timeout: timeout)
            return (backend, "Started \(plan.nodes) local consensus node processes (\(plan.mechanism), "
                             + "\(backend.order.first ?? "n1")..\(backend.order.last ?? "n1")); \(leader). "
                             + "Type 'help' for commands, 'quit' or Ctrl-D to stop them.")
        }
        if status != 0 { throw ExitCode(status) }
    }
}
