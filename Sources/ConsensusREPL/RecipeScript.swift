import ConsensusTesting

/// A script that `consensus run` replays: REPL commands one a line, `#` narration, and `expect`
/// lines that check the output of the command before them.
///
/// ```text
/// # mode: simulated seed=8 nodes=5
/// # n1 asks for votes; nothing is delivered until we say so.
/// campaign n1
/// expect campaign n1
/// expect ...
/// status
/// expect ~ ^n1 +leader
/// ```
///
/// - `expect <text>`: one line of output, exactly.
/// - `expect ~ <regex>`: one line of output that the regular expression matches (whole line).
/// - `expect ...`: any number of lines (none included).
///
/// When a command has `expect` lines, its output must match them all, line by line, in order.
/// The optional header (the first line, `# mode: simulated|cluster key=value ...`) says how to
/// start the cluster, so that `consensus run FILE` needs no flags.
public struct RecipeScript: Sendable, Hashable {
    /// One step of the script.
    public enum Step: Sendable, Hashable {
        /// A `#` line (without the `#` and one space), shown when it is reached.
        case narration(String)
        /// A command, where it is in the file, and what its output must match.
        case command(String, line: Int, expect: [Expectation])
    }

    /// One `expect` line.
    public enum Expectation: Sendable, Hashable, CustomStringConvertible {
        case exact(String)
        case pattern(String)
        case anyLines

        public var description: String {
            switch self {
            case .exact(let text): return "expect \(text)"
            case .pattern(let regex): return "expect ~ \(regex)"
            case .anyLines: return "expect ..."
            }
        }
    }

    /// Why a script cannot run.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// `simulated` or `cluster` (from the header; `nil` when there is none).
    public var mode: String?
    /// The header's `key=value` settings.
    public var settings: [String: String] = [:]
    public var steps: [Step] = []

    /// Parses a script.
    /// - Throws: ``ParseError`` for an `expect` before any command, a bad header, or a regular
    ///   expression that does not compile.
    public init(parsing text: String) throws(ParseError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        if lines.last == "" { lines.removeLast() }
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = StepCommand.trimmed(Substring(raw))
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = String(line.dropFirst()).drop { $0 == " " }
                if steps.isEmpty, mode == nil, body.hasPrefix("mode:") {
                    try readHeader(String(body.dropFirst(5)), line: number)
                } else {
                    steps.append(.narration(String(body)))
                }
                continue
            }
            if line == "expect" || line.hasPrefix("expect ") {
                guard case .command(let command, let at, var expect)? = steps.last else {
                    throw ParseError(line: number, message: "an expect line must follow a command")
                }
                expect.append(try Self.expectation(String(line.dropFirst(6)), line: number))
                steps[steps.count - 1] = .command(command, line: at, expect: expect)
                continue
            }
            steps.append(.command(line, line: number, expect: []))
        }
    }

    private mutating func readHeader(_ text: String, line: Int) throws(ParseError) {
        let words = text.split(separator: " ").map(String.init)
        guard let first = words.first, ["simulated", "cluster"].contains(first) else {
            throw ParseError(line: line, message: "the header is '# mode: simulated|cluster key=value ...', as '# mode: simulated seed=8 nodes=5'")
        }
        mode = first
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ParseError(line: line, message: "header setting '\(word)' is not key=value (for example seed=8)")
            }
            settings[parts[0]] = parts[1]
        }
    }

    private static func expectation(_ text: String, line: Int) throws(ParseError) -> Expectation {
        let body = text.hasPrefix(" ") ? String(text.dropFirst()) : text
        if body == "..." { return .anyLines }
        if body == "~" || body.hasPrefix("~ ") {
            let regex = String(body.dropFirst(2))
            do { _ = try Regex(regex) } catch {
                throw ParseError(line: line, message: "expect ~: the regular expression '\(regex)' does not compile: \(error)")
            }
            return .pattern(regex)
        }
        return .exact(body)
    }
}
