/// The text of `help`: every command by topic, one topic, or one command in detail.
public enum ReplHelp {
    /// `help` with no argument: every topic.
    public static var overview: String {
        let header = "Commands by topic ('help <command>' for details; wherever a member is named, 'leader' names the current leader):"
        return ([header] + CommandSpec.Topic.allCases.map(topic)).joined(separator: "\n")
    }

    /// One topic's commands: usage and summary, planned ones marked "(coming)".
    public static func topic(_ topic: CommandSpec.Topic) -> String {
        let specs = CommandCatalog.commands.filter { $0.topic == topic }
        let width = specs.map(\.usage.count).max() ?? 0
        let lines = specs.map { spec in
            "  " + spec.usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + (spec.coming ? "(coming) " : "") + spec.summary
        }
        return ([topic.rawValue] + lines).joined(separator: "\n")
    }

    /// `help <word>`: a command (or alias) in detail, or a topic.
    /// - Returns: the text, or an error with a suggestion for a misspelt word.
    public static func help(_ word: String) -> Result<String, ReplParseError> {
        let word = word.lowercased()
        if let topic = CommandSpec.Topic(rawValue: word) { return .success(self.topic(topic)) }
        guard let spec = CommandCatalog.spec(word) else {
            let candidates = CommandCatalog.names + CommandSpec.Topic.allCases.map(\.rawValue)
            let hint = EditDistance.suggestion(for: word, among: candidates).map { ": did you mean 'help \($0)'?" } ?? ": type 'help' for the list"
            return .failure(ReplParseError("no command or topic '\(word)'\(hint)"))
        }
        var lines = ["usage: \(spec.usage)", (spec.coming ? "(coming, not built yet) " : "") + spec.summary]
        if !spec.aliases.isEmpty { lines.append("also: " + spec.aliases.joined(separator: ", ")) }
        lines += spec.details
        return .success(lines.joined(separator: "\n"))
    }
}
