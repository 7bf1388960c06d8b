import Logging
import Synchronization

/// A swift-log handler that keeps every message, so tests can check what a transport logged.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger whose messages (at `level` and above) this recorder keeps.
    func logger(label: String = "test", level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    var messages: [String] { lines.withLock { $0 } }

    /// Whether some message contains every one of `parts`.
    func contains(_ parts: String...) -> Bool {
        messages.contains { line in parts.allSatisfy { line.contains($0) } }
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append("[\(event.level)] \(event.message)")
        }
    }
}
