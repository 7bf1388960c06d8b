import Consensus
import Foundation

/// Why a line is not a step-mode command, and what to type instead.
public struct StepParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line for the learner.
    public var message: String
    /// The ``message``.
    public var description: String { message }
}

/// The step mode's command language, one command a line:
///
/// ```
/// tick [n] [member]            deliver [all | a->b]      drop [all | a->b]
/// step                         stabilize                 campaign <member>
/// crash <member>               restart <member>          partition <members> [| <members>]
/// heal                         status                    debug [member]
/// messages                     history                   check
/// why [term N]
/// put <key> <value> [on <member>]          get <key> [--local] [on <member>]
/// delete <key> [on <member>]               cas <key> <expected> <new> [on <member>]
/// counter add <name> <delta> [on <member>] counter get <name> [--local] [on <member>]
/// lock acquire <name> <holder> <ttl-ms>    lock renew <name> <holder> <token> <ttl-ms>
/// lock release <name> <holder> <token>     (each [on <member>])
/// ```
///
/// In `a->b`, either side may be `*` (any member). A value is JSON when it parses as JSON
/// (`1`, `true`, `"a b"`, `{"k":1}`), otherwise the text itself; in `cas`, `-` means absent.
/// A request without `on` goes to the leader (or `n1` when none leads).
extension StepCommand {
    /// The command words, for help and suggestions.
    public static let words = [
        "tick", "deliver", "drop", "step", "stabilize", "campaign", "crash", "restart", "partition", "heal",
        "put", "get", "delete", "cas", "counter", "lock", "status", "debug", "messages", "history", "check", "why",
    ]

    /// Parses one line.
    /// - Parameter line: a command as a learner types it.
    /// - Throws: ``StepParseError`` saying what to type instead.
    public init(parsing line: String) throws(StepParseError) {
        self = try Self.parse(line).get()
    }

    /// Parses one line, as a result.
    public static func parse(_ line: String) -> Result<StepCommand, StepParseError> {
        var words = tokens(line)
        guard !words.isEmpty else { return .failure(StepParseError(message: "empty command; commands: \(Self.words.joined(separator: " "))")) }
        var member: String?
        if words.count >= 3, words[words.count - 2] == "on" {
            member = words.removeLast()
            words.removeLast()
        }
        let local = words.contains("--local")
        words.removeAll { $0 == "--local" }
        let command = words.removeFirst()
        let args = words
        func usage(_ form: String) -> Result<StepCommand, StepParseError> { .failure(StepParseError(message: "usage: \(form)")) }
        switch (command, args.count) {
        case ("tick", 0): return .success(.tick(count: 1, member: nil))
        case ("tick", 1): return .success(Int(args[0]).map { .tick(count: $0, member: nil) } ?? .tick(count: 1, member: args[0]))
        case ("tick", 2): return Int(args[0]).map { .success(.tick(count: $0, member: args[1])) } ?? usage("tick [n] [member]")
        case ("deliver", 0...1): return filter(args.first).map(StepCommand.deliver)
        case ("drop", 0...1): return filter(args.first).map(StepCommand.drop)
        case ("step", 0): return .success(.step)
        case ("stabilize", 0): return .success(.stabilize)
        case ("campaign", 1): return .success(.campaign(args[0]))
        case ("crash", 1), ("kill", 1): return .success(.crash(args[0]))
        case ("restart", 1): return .success(.restart(args[0]))
        case ("partition", 1...):
            let sides = args.split(separator: "|").map(Array.init)
            return .success(.partition(sides))
        case ("heal", 0): return .success(.heal)
        case ("status", 0): return .success(.status)
        case ("debug", 0...1): return .success(.debug(args.first))
        case ("messages", 0): return .success(.messages)
        case ("history", 0): return .success(.history)
        case ("check", 0): return .success(.check)
        case ("why", 0): return .success(.why(term: nil))
        case ("why", 1), ("why", 2) where args[0] == "term":
            return UInt64(args.last!).map { .success(.why(term: $0)) } ?? usage("why [term N]")
        case ("put", 2): return .success(.request(.put(key: args[0], value: value(args[1])), member: member))
        case ("get", 1): return .success(.request(.get(key: args[0], local: local), member: member))
        case ("delete", 1): return .success(.request(.delete(key: args[0]), member: member))
        case ("cas", 3):
            return .success(.request(.compareAndSwap(key: args[0], expected: optionalValue(args[1]), new: optionalValue(args[2])), member: member))
        case ("counter", 3) where args[0] == "add":
            return Int64(args[2]).map { .success(.request(.counterAdd(name: args[1], delta: $0), member: member)) }
                ?? usage("counter add <name> <delta>, delta an integer")
        case ("counter", 2) where args[0] == "get":
            return .success(.request(.counterGet(name: args[1], local: local), member: member))
        case ("lock", 4) where args[0] == "acquire":
            return Int64(args[3]).map { .success(.request(.lockAcquire(name: args[1], holder: args[2], ttlMilliseconds: $0), member: member)) }
                ?? usage("lock acquire <name> <holder> <ttl-ms>")
        case ("lock", 5) where args[0] == "renew":
            guard let token = UInt64(args[3]), let ttl = Int64(args[4]) else { return usage("lock renew <name> <holder> <token> <ttl-ms>") }
            return .success(.request(.lockRenew(name: args[1], holder: args[2], token: token, ttlMilliseconds: ttl), member: member))
        case ("lock", 4) where args[0] == "release":
            return UInt64(args[3]).map { .success(.request(.lockRelease(name: args[1], holder: args[2], token: $0), member: member)) }
                ?? usage("lock release <name> <holder> <token>")
        default:
            if let form = forms[command] { return usage(form) }
            return .failure(StepParseError(message: "unknown command \(command.debugDescription)" + suggestion(for: command)))
        }
    }

    /// The usage of each command, by its word.
    public static let forms: [String: String] = [
        "tick": "tick [n] [member]", "deliver": "deliver [all | a->b]", "drop": "drop [all | a->b]", "step": "step",
        "stabilize": "stabilize", "campaign": "campaign <member>", "crash": "crash <member>", "restart": "restart <member>",
        "partition": "partition <members> [| <members>]", "heal": "heal", "status": "status", "debug": "debug [member]",
        "messages": "messages", "history": "history", "check": "check", "why": "why [term N]", "put": "put <key> <value> [on <member>]",
        "get": "get <key> [--local] [on <member>]", "delete": "delete <key> [on <member>]",
        "cas": "cas <key> <expected|-> <new|-> [on <member>]",
        "counter": "counter add <name> <delta> | counter get <name> [--local]",
        "lock": "lock acquire <name> <holder> <ttl-ms> | lock renew <name> <holder> <token> <ttl-ms> | lock release <name> <holder> <token>",
    ]

    /// `a->b` (either side `*`), `all`, or nothing (all).
    private static func filter(_ text: String?) -> Result<StepMessageFilter, StepParseError> {
        guard let text, text != "all" else { return .success(.all) }
        let parts = text.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .failure(StepParseError(message: "expected all or from->to (for example n1->n2, n1->*, *->n2), got \(text.debugDescription)"))
        }
        return .success(StepMessageFilter(from: parts[0] == "*" ? nil : parts[0], to: parts[1] == "*" ? nil : parts[1]))
    }

    /// JSON when it parses as JSON, otherwise the text.
    static func value(_ text: String) -> ConsensusValue {
        (try? JSONDecoder().decode(ConsensusValue.self, from: Data(text.utf8))) ?? .string(text)
    }

    /// `-` is absent (`nil`; spelled out, since `ConsensusValue` reads a bare `nil` as JSON null).
    static func optionalValue(_ text: String) -> ConsensusValue? { text == "-" ? Optional<ConsensusValue>.none : value(text) }

    /// Words separated by spaces; a double-quoted word may hold spaces (and keeps its quotes,
    /// so that it reads as a JSON string).
    public static func tokens(_ line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in line {
            if quoted {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
            } else if c == " " || c == "\t" {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                if c == "\"" { quoted = true }
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// `line` without spaces and tabs at either end.
    public static func trimmed(_ line: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = line.firstIndex(where: { !isSpace($0) }), let end = line.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(line[start...end])
    }

    /// `; did you mean x?` for the closest command word, when one is close.
    private static func suggestion(for word: String) -> String {
        let scored = words.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(1, best.count / 3) else { return "; commands: \(words.joined(separator: " "))" }
        return "; did you mean \(best)?"
    }

    /// Levenshtein distance.
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
