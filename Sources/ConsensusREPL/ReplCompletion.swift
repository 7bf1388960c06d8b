/// Tab completion: the words that may come at the cursor, given what is typed before it.
public struct ReplCompletion: Sendable {
    /// Member ids (`leader` is always offered too).
    public var members: [String]
    /// Keys this session has used.
    public var keys: [String]
    /// The command words, when not the process mode's (``CommandCatalog``): the step mode's.
    /// After the first word, members and keys are offered.
    public var commands: [String]?

    public init(members: [String] = [], keys: [String] = []) {
        self.members = members
        self.keys = keys
    }

    /// The candidates for the word being typed.
    /// - Parameters:
    ///   - line: the line up to the start of the word being completed.
    ///   - word: the part of that word typed so far.
    /// - Returns: the matching candidates, sorted, without duplicates.
    public func candidates(before line: String, word: String) -> [String] {
        let previous: [String]
        switch ReplTokenizer.words(line) {
        case .success(let words): previous = words
        case .failure: return []
        }
        return Array(Set(all(after: previous).filter { $0.hasPrefix(word) })).sorted()
    }

    private func all(after previous: [String]) -> [String] {
        if let commands { return previous.isEmpty ? commands : members + ["leader"] + keys }
        guard let name = previous.first else { return CommandCatalog.names }
        guard let spec = CommandCatalog.spec(name.lowercased()) else { return [] }
        if previous.last == "--on" { return members + ["leader"] }
        let arguments = previous.dropFirst()
        if !spec.subcommands.isEmpty {
            guard let sub = arguments.first else { return spec.subcommands }
            // After the sub-command: lock names and counter names are keys of their own kind.
            return arguments.count == 1 && sub != "batch" ? keys : []
        }
        switch spec.completion {
        case .nothing: return []
        case .members: return members + ["leader"]
        case .keys: return arguments.isEmpty ? keys : []
        case .commands: return arguments.isEmpty ? CommandCatalog.names + CommandSpec.Topic.allCases.map(\.rawValue) : []
        case .words(let words): return arguments.isEmpty ? words : []
        }
    }
}
