/// Splits a REPL line into words: whitespace separates, single and double quotes group
/// (`put greeting 'hello world'`), a backslash escapes the next character outside single
/// quotes, and `|` outside quotes is a word of its own (`partition n1|n2 n3`).
enum ReplTokenizer {
    /// The words of `line`, or a message when a quote is left open.
    static func words(_ line: String) -> Result<[String], ReplParseError> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if let open = quote {
                if c == open {
                    quote = nil
                } else if c == "\\" && open == "\"" {
                    escaped = true
                } else {
                    current.append(c)
                }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case "|":
                if inWord { words.append(current) }
                words.append("|")
                current = ""
                inWord = false
            case _ where c.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(c)
                inWord = true
            }
        }
        if let open = quote {
            return .failure(ReplParseError("unterminated quote: close it with \(open)"))
        }
        if escaped { current.append("\\") }
        if inWord { words.append(current) }
        return .success(words)
    }
}

/// A line the REPL cannot run: one line that says what to type instead.
public struct ReplParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message, as printed.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
