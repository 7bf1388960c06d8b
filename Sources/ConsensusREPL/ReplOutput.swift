import Consensus

/// What one command printed: a text for people (`output table`) and the same as JSON
/// (`output json`), and whether the command failed (piped mode then exits non-zero).
public struct ReplOutput: Sendable, Hashable {
    /// The text, without a trailing newline (empty: nothing to print).
    public var text: String
    /// The JSON form.
    public var json: ConsensusValue
    /// Whether the command failed.
    public var failed: Bool

    public init(text: String, json: ConsensusValue, failed: Bool = false) {
        self.text = text
        self.json = json
        self.failed = failed
    }

    /// A sentence, with `{"message": ...}` as its JSON.
    public static func message(_ text: String) -> ReplOutput {
        ReplOutput(text: text, json: ["message": .string(text)])
    }

    /// A failure: `error: <message>`, with `{"error": ..., "outcome": ...}` as its JSON.
    public static func failure(_ message: String, outcome: ReplError.Outcome = .failed) -> ReplOutput {
        ReplOutput(text: "error: " + message, json: ["error": .string(message), "outcome": .string(outcome.rawValue)], failed: true)
    }

    /// The text to print in `format`.
    public func rendered(_ format: OutputFormat) -> String {
        switch format {
        case .table: return text
        case .json: return json.description
        }
    }
}
