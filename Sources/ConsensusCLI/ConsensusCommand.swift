import ArgumentParser
import Foundation

/// The `consensus` command line: one subcommand per file.
public struct ConsensusCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "A consensus toolkit: Raft and simple-majority voting, a simulator and benchmarks.",
        subcommands: [ReplCommandLine.self, RunCommand.self, NodeCommand.self, ClusterCommand.self, SimCommand.self, BenchCommand.self, StorageCrashChildCommand.self]
    )

    public init() {}

    /// Parses the command line and runs the command. A bad flag or value prints one line that
    /// says what was wrong and where to look, and exits with status 2; `--help` and the
    /// commands' own failures behave as usual.
    public static func runFromCommandLine() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                FileHandle.standardError.write(Data("consensus: \(message) (see 'consensus help' or '<command> --help')\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
