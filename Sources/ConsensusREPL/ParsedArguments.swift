/// The words after a command's name, consumed as the parser asks for them: options first
/// (`--on n2`, `--local`), then positional arguments in order. Whatever is left over, or
/// missing, is a one-line error that shows the command's usage.
struct ParsedArguments {
    let spec: CommandSpec
    var remaining: [String]

    init(spec: CommandSpec, words: [String]) {
        self.spec = spec
        remaining = words
    }

    /// Removes `--name value` (or `--name=value`) and returns the value.
    mutating func option(_ name: String) throws -> String? {
        if let index = remaining.firstIndex(where: { $0.hasPrefix(name + "=") }) {
            let value = String(remaining.remove(at: index).dropFirst(name.count + 1))
            guard !value.isEmpty else { throw usageError("\(name) needs a value") }
            return value
        }
        guard let index = remaining.firstIndex(of: name) else { return nil }
        guard index + 1 < remaining.count else { throw usageError("\(name) needs a value") }
        let value = remaining[index + 1]
        remaining.removeSubrange(index...(index + 1))
        return value
    }

    /// Removes `--name` and says whether it was there.
    mutating func flag(_ name: String) -> Bool {
        guard let index = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: index)
        return true
    }

    /// The next positional argument.
    mutating func next(_ what: String) throws -> String {
        guard let first = remaining.first else { throw usageError("missing \(what)") }
        if first.hasPrefix("--") && first.count > 2 { throw usageError("unknown option \(first)") }
        remaining.removeFirst()
        return first
    }

    /// The sub-command (one of the spec's), lower-cased.
    mutating func subcommand() throws -> String {
        let choices = spec.subcommands.joined(separator: "|")
        guard let word = remaining.first?.lowercased() else { throw usageError("missing sub-command (\(choices))") }
        guard spec.subcommands.contains(word) else {
            let hint = EditDistance.suggestion(for: word, among: spec.subcommands).map { ": did you mean '\($0)'?" } ?? ""
            throw usageError("unknown sub-command '\(word)' (\(choices))\(hint)")
        }
        remaining.removeFirst()
        return word
    }

    /// Fails if words are left over.
    func finish() throws {
        guard let extra = remaining.first else { return }
        if extra.hasPrefix("--") { throw usageError("unknown option \(extra)") }
        throw usageError("unexpected '\(extra)'")
    }

    /// `<problem>; usage: <usage>`.
    func usageError(_ problem: String) -> ReplParseError {
        ReplParseError("\(spec.name): \(problem); usage: \(spec.usage)")
    }
}
