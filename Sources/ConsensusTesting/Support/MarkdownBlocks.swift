/// The fenced code blocks of a Markdown file, for the tests that keep documentation honest:
/// `transcript` blocks are replayed on a step-mode cluster, `swift` blocks must appear verbatim in
/// compiled code.
public struct MarkdownBlock: Sendable, Hashable, CustomStringConvertible {
    /// The file's name as given to ``MarkdownBlock/blocks(in:file:)``.
    public var file: String
    /// The line of the opening fence (1-based).
    public var line: Int
    /// The info string after the opening fence (`swift`, `transcript`, ...).
    public var info: String
    /// The lines between the fences, with the indentation they have in common removed.
    public var lines: [String]

    public var description: String { "\(file):\(line)" }

    /// Every fenced block (three or more backticks) of `text`, in order. An unclosed block runs to
    /// the end of the file.
    public static func blocks(in text: String, file: String) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var open: (line: Int, fence: String, info: String, indent: Int)?
        var body: [String] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            let trimmed = line.drop { $0 == " " }
            if let current = open {
                if trimmed.hasPrefix(current.fence), trimmed.allSatisfy({ $0 == "`" || $0 == " " }) {
                    blocks.append(MarkdownBlock(file: file, line: current.line, info: current.info, lines: dedented(body)))
                    open = nil
                    body = []
                } else {
                    body.append(line)
                }
            } else if trimmed.hasPrefix("```") {
                let fence = String(trimmed.prefix { $0 == "`" })
                let info = trimmed.dropFirst(fence.count).trimmingSpaces
                open = (offset + 1, fence, info, line.count - trimmed.count)
            }
        }
        if let current = open { blocks.append(MarkdownBlock(file: file, line: current.line, info: current.info, lines: dedented(body))) }
        return blocks
    }

    /// `lines` without the leading spaces they all share (blank lines do not count).
    public static func dedented(_ lines: [String]) -> [String] {
        let indents = lines.filter { !$0.allSatisfy { $0 == " " } }.map { $0.prefix { $0 == " " }.count }
        let common = indents.min() ?? 0
        return lines.map { $0.allSatisfy { $0 == " " } ? "" : String($0.dropFirst(common)) }
    }

    /// Whether `lines` (already dedented) appear in `text` as consecutive lines, each indented by
    /// the same amount (blank lines match blank lines).
    public static func contains(_ text: String, _ lines: [String]) -> Bool {
        let candidates = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        guard let first = lines.first, !first.isEmpty, candidates.count >= lines.count else { return lines.isEmpty }
        for start in 0...(candidates.count - lines.count) where candidates[start].hasSuffix(first) {
            let indent = String(candidates[start].dropLast(first.count))
            guard indent.allSatisfy({ $0 == " " }) else { continue }
            let matches = lines.indices.allSatisfy { i in
                lines[i].isEmpty ? candidates[start + i].allSatisfy { $0 == " " } : candidates[start + i] == indent + lines[i]
            }
            if matches { return true }
        }
        return false
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
