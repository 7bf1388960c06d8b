import ArgumentParser
import ConsensusREPL
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

    @Flag(help: "Step mode: a deterministic simulated cluster in this process (coming).")
    var simulated = false

    func validate() throws {
        if simulated {
            throw ValidationError("--simulated: step mode is coming but not built yet; 'consensus repl' runs the process mode")
        }
        if let problem = settings.plan(parentPID: nil).problem { throw ValidationError(problem) }
        guard DurationArgument(wait) != nil else { throw ValidationError("--wait: a duration such as 60s, not '\(wait)'") }
        if let connect, connect.split(separator: ",").isEmpty {
            throw ValidationError("--connect: the members' API addresses, as 127.0.0.1:8001,127.0.0.1:8002")
        }
    }

    func run() async throws {
        let shell = ReplShell(historyPath: ReplShell.defaultHistoryPath)
        let plan = settings.plan(parentPID: getpid())
        let connect = self.connect.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let timeout = DurationArgument(wait)?.duration ?? .seconds(60)
        let status = await shell.run {
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
