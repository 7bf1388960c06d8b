import ArgumentParser

/// The `consensus` command line: one subcommand per file.
public struct ConsensusCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "A consensus toolkit: Raft and simple-majority voting, a simulator and benchmarks.",
        subcommands: [SimCommand.self, BenchCommand.self, StorageCrashChildCommand.self]
    )

    public init() {}
}
