import CReadline
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// GNU readline in its callback form, driven by the shell's `poll` loop: line editing, a
/// bounded history file, tab completion from a ``ReplCompletion``. Used on the shell thread only.
enum LineEditor {
    /// The completion source (set before each prompt) and the line the callback received.
    nonisolated(unsafe) static var completion = ReplCompletion()
    nonisolated(unsafe) static var received: (line: String?, done: Bool) = (nil, false)
    nonisolated(unsafe) static var historyPath: String?
    nonisolated(unsafe) static var lastHistoryLine: String?
    /// The most lines kept in the history file.
    static let historyLinesMax: Int32 = 1000

    /// Sets readline up: no signal handling of its own, completion, the history file.
    static func setUp(historyPath path: String?) {
        creadline_configure(UnsafePointer(strdup("consensus")), { text, start, _ in
            LineEditor.complete(text: text.map { String(cString: $0) } ?? "", start: Int(start))
        })
        stifle_history(historyLinesMax)
        historyPath = path
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            read_history(path)
        }
    }

    /// Shows `prompt` and starts reading a line.
    static func prompt(_ prompt: String) {
        received = (nil, false)
        rl_callback_handler_install(prompt) { line in
            LineEditor.received = (line.map { String(cString: $0) }, true)
            if let line { free(line) }
            // No more input until the shell asks again (it installs the handler for the next prompt).
            rl_callback_handler_remove()
        }
    }

    /// Reads what is available on stdin; returns the line when one is complete (`.some(nil)`: end of input).
    static func readAvailable() -> String?? {
        rl_callback_read_char()
        guard received.done else { return .none }
        received.done = false
        return .some(received.line)
    }

    /// Ctrl-C at the prompt: drop the line, show a fresh prompt.
    static func abandonLine() { creadline_abandon_line() }

    /// Prints text above the prompt and the line being edited.
    static func printAbove(_ text: String) { creadline_print_above(text) }

    /// Stops reading (restores the terminal).
    static func stop() { rl_callback_handler_remove() }

    /// Adds a line to the history and to the history file (bounded).
    static func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, line != lastHistoryLine else { return }
        lastHistoryLine = line
        add_history(line)
        if let historyPath {
            append_history(1, historyPath)
            history_truncate_file(historyPath, historyLinesMax)
        }
    }

    /// readline's completion hook: the candidates from ``completion`` as a NULL-terminated,
    /// malloc'd array whose first entry is their common prefix (readline frees it).
    static func complete(text: String, start: Int) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        creadline_completion_over()
        let line = creadline_line_buffer().map { String(cString: $0) } ?? ""
        let before = String(decoding: Array(line.utf8.prefix(max(0, start))), as: UTF8.self)
        let matches = completion.candidates(before: before, word: text)
        guard !matches.isEmpty else { return nil }
        var common = matches[0]
        for match in matches.dropFirst() {
            while !match.hasPrefix(common) { common.removeLast() }
        }
        let entries = matches.count == 1 ? matches : [common] + matches
        guard let array = malloc((entries.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1) else { return nil }
        for (i, entry) in entries.enumerated() { array[i] = strdup(entry) }
        array[entries.count] = nil
        return array
    }
}
