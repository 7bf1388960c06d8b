import Foundation

/// A session as a script that `consensus run` replays: a header line that says how to start
/// the cluster (for example `# mode: simulated seed=7 nodes=3`), then the commands, one a line.
/// What `save <file>` writes.
public struct SessionScript: Sendable, Hashable {
    /// `simulated` or `cluster`.
    public var mode: String
    /// The header's settings, as `key=value`, in order.
    public var settings: [String]
    /// The commands, as typed.
    public var commands: [String] = []

    /// A script whose header is `# mode: <mode> key=value ...`.
    public init(mode: String, settings: [String]) {
        self.mode = mode
        self.settings = settings
    }

    /// Whether a command belongs in a saved session: it did something to the cluster or showed
    /// something a replay should show again (not `help`, `save`, `quit` or blank lines).
    public static func isReplayed(_ line: String) -> Bool {
        let word = line.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
        return !["", "help", "save", "quit", "exit"].contains(word) && !word.hasPrefix("#")
    }

    /// The script's text.
    public var text: String {
        let first = (["# mode: \(mode)"] + settings).joined(separator: " ")
        return ([first, "# Saved by 'save'. Replay it with: consensus run <this file>"] + commands).joined(separator: "\n") + "\n"
    }

    /// Writes the script to `path` (replacing a file there) and says what it did.
    /// - Returns: the line `save` prints, or an error line.
    public func save(to path: String) -> (text: String, failed: Bool) {
        guard !path.isEmpty else { return ("error: save needs a file name, as: save session.txt", true) }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return ("saved \(commands.count) commands to \(path); replay them with: consensus run \(path)", false)
        } catch {
            return ("error: cannot write \(path): \(error.localizedDescription) (pick a writable path)", true)
        }
    }
}
