import Consensus
import Foundation

/// A value typed on the command line: JSON when it parses as JSON (`42`, `true`, `null`,
/// `"text"`, `[1,2]`, `{"a":1}`), otherwise the text itself as a string.
public enum ValueArgument {
    /// The value `text` stands for.
    public static func parse(_ text: String) -> ConsensusValue {
        if let value = try? JSONDecoder().decode(ConsensusValue.self, from: Data(text.utf8)) {
            return value.canonical
        }
        return .string(text)
    }
}
