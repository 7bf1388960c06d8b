/// What the REPL knows about one command: the help, the completion and the parser's
/// suggestions all come from these.
public struct CommandSpec: Sendable, Hashable {
    /// The topics `help` groups commands by, in the order it lists them.
    public enum Topic: String, Sendable, Hashable, CaseIterable {
        case cluster, data, voting, recipes, faults, learning, session
    }

    /// What a command's arguments complete to, after its sub-command if it has one.
    public enum Completion: Sendable, Hashable {
        case nothing
        /// Member ids and `leader` (every argument).
        case members
        /// Keys seen in this session (first argument).
        case keys
        /// Command names and topics (first argument).
        case commands
        /// Fixed words (first argument).
        case words([String])
    }

    /// The name typed.
    public var name: String
    /// Other names for the same command.
    public var aliases: [String] = []
    /// The `help` topic.
    public var topic: Topic
    /// The synopsis, as `get <key> [--local] [--on <member>]`.
    public var usage: String
    /// One line: what it does.
    public var summary: String
    /// More lines for `help <command>`: options, examples.
    public var details: [String] = []
    /// Sub-commands, as `lock acquire`.
    public var subcommands: [String] = []
    /// What its arguments complete to.
    public var completion: Completion = .nothing
    /// Planned, not built yet: help lists it as coming.
    public var coming = false
}
