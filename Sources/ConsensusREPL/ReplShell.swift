import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The REPL's shell: reads lines (with readline on a terminal, plain lines otherwise), runs
/// each through a ``ReplSession`` as a task, prints what comes back, and turns signals into
/// actions: Ctrl-C cancels the running command (or drops the line being typed), SIGTERM and
/// SIGHUP end the session. Everything that touches the terminal happens on one thread of its own.
public final class ReplShell: @unchecked Sendable {
    /// Whether stdin and stdout are a terminal (readline, a prompt) or not (plain lines, no
    /// decorations, exit status 1 when a command failed).
    public let interactive: Bool
    let historyPath: String?
    let signals: Wakeup
    let outputWakeup = Wakeup()
    let done = Wakeup()
    private let lock = NSLock()
    private var queued: [String] = []
    private var finished: (@Sendable () -> Void)?
    static let prompt = "consensus> "

    /// Creates the shell and installs its signal handlers (do this before starting members, so a
    /// signal during the start is handled).
    /// - Parameters:
    ///   - interactive: `nil`: decide from stdin and stdout.
    ///   - historyPath: the history file (interactive only), or `nil` for none.
    public init(interactive: Bool? = nil, historyPath: String?) {
        self.interactive = interactive ?? (isatty(0) == 1 && isatty(1) == 1)
        self.historyPath = historyPath
        signals = SignalPipe.install()
    }

    /// The history file in the home directory: `~/.consensus_history`.
    public static var defaultHistoryPath: String? {
        guard let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.consensus_history"
    }

    /// Prints a line from any thread: above the prompt, or between a command's lines.
    public func emit(_ line: String) {
        lock.withLock { queued.append(line) }
        outputWakeup.signal()
    }

    /// Runs the whole session on the shell thread: `start` brings the backend up (Ctrl-C
    /// cancels it), then lines are read and run until `quit`, end of input or a signal, then
    /// the session shuts down (stopping what it started).
    /// - Parameters:
    ///   - scriptSettings: the `save` header's settings (see ``ReplSession``).
    ///   - start: starts the backend; returns it and a one-line greeting.
    /// - Returns: the exit status.
    public func run(scriptSettings: [String] = [], start: @escaping @Sendable () async throws -> (any ReplBackend, String)) async -> Int32 {
        await run(prompt: Self.prompt) { [weak self] in
            let (backend, greeting) = try await start()
            let shell = self
            return (ReplSession(backend: backend, scriptSettings: scriptSettings) { line in shell?.emit(line) }, greeting)
        }
    }

    /// Runs a session of any interpreter (see ``run(start:)``).
    /// - Parameters:
    ///   - prompt: the prompt on a terminal.
    ///   - start: builds the interpreter; returns it and a one-line greeting.
    /// - Returns: the exit status.
    public func run(prompt: String, interpreter start: @escaping @Sendable () async throws -> (any LineInterpreter, String)) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread { [self] in
                continuation.resume(returning: self.loop(prompt: prompt, start: start))
            }
            thread.name = "consensus-repl-shell"
            thread.start()
        }
    }

    /// Runs `operation` as a task and waits for it on this thread, printing emitted lines as
    /// they come. A signal cancels the task; the signal is returned.
    func wait<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> (value: T, signal: Int32?) {
        let box = ResultBox<T>()
        let done = self.done
        let task = Task {
            box.set(await operation())
            done.signal()
        }
        var caught: Int32?
        while box.value == nil {
            let ready = poll([signals.readFD, outputWakeup.readFD, done.readFD])
            if ready.contains(outputWakeup.readFD) { flushQueued(aboveLine: false) }
            if ready.contains(signals.readFD) {
                for number in signals.drain() where caught == nil {
                    caught = Int32(number)
                    task.cancel()
                }
            }
            if ready.contains(done.readFD) { done.drain() }
        }
        flushQueued(aboveLine: false)
        return (box.value!, caught)
    }

    func loop(prompt: String, start: @escaping @Sendable () async throws -> (any LineInterpreter, String)) -> Int32 {
        let (started, startSignal) = wait { () async -> Result<(any LineInterpreter, String), any Error> in
            do { return .success(try await start()) } catch { return .failure(error) }
        }
        let session: any LineInterpreter
        let greeting: String
        switch started {
        case .failure(let error):
            FileHandle.standardError.write(Data("consensus repl: \(error)\n".utf8))
            return startSignal.map { 128 + $0 } ?? 1
        case .success(let (s, g)):
            session = s
            greeting = g
        }
        if startSignal != nil {
            _ = wait { await session.shutdown() }
            return 128 + (startSignal ?? 0)
        }
        write(greeting)
        var failed = false
        var exitSignal: Int32?
        if interactive { LineEditor.setUp(historyPath: historyPath) }
        var reader = PlainLineReader()
        lines: while true {
            let line: String?
            if interactive {
                let completion = wait { await session.completion() }.value
                LineEditor.completion = completion
                switch readInteractiveLine(prompt: prompt) {
                case .line(let text): line = text
                case .signal(let number): exitSignal = number; break lines
                }
            } else {
                switch readPlainLine(&reader) {
                case .line(let text): line = text
                case .signal(let number): exitSignal = number; break lines
                }
            }
            guard let line else {
                if interactive { write("") }
                break
            }
            if interactive { LineEditor.remember(line) }
            let (result, signal) = wait { await session.run(line) }
            if !result.text.isEmpty { write(result.text) }
            if result.failed { failed = true }
            if result.quit { break }
            if let signal, signal != SIGINT || !interactive { exitSignal = signal; break }
        }
        if interactive { LineEditor.stop() }
        _ = wait { await session.shutdown() }
        if let exitSignal { return 128 + exitSignal }
        return failed && !interactive ? 1 : 0
    }

    enum Read { case line(String?), signal(Int32) }

    /// A line from readline; Ctrl-C drops the line being typed.
    func readInteractiveLine(prompt: String) -> Read {
        LineEditor.prompt(prompt)
        while true {
            let ready = poll([0, signals.readFD, outputWakeup.readFD])
            if ready.contains(outputWakeup.readFD) { flushQueued(aboveLine: true) }
            if ready.contains(signals.readFD) {
                for number in signals.drain() {
                    if Int32(number) == SIGINT {
                        LineEditor.abandonLine()
                    } else {
                        LineEditor.stop()
                        return .signal(Int32(number))
                    }
                }
            }
            if ready.contains(0), let line = LineEditor.readAvailable() { return .line(line) }
        }
    }

    /// A line from a pipe or file; `nil` at the end of input.
    func readPlainLine(_ reader: inout PlainLineReader) -> Read {
        while true {
            if let line = reader.nextLine() { return .line(line) }
            if reader.ended { return .line(nil) }
            let ready = poll([0, signals.readFD, outputWakeup.readFD])
            if ready.contains(outputWakeup.readFD) { flushQueued(aboveLine: false) }
            if ready.contains(signals.readFD), let number = signals.drain().first { return .signal(Int32(number)) }
            if ready.contains(0) { reader.readAvailable(from: 0) }
        }
    }

    /// Prints the lines emitted since the last flush.
    func flushQueued(aboveLine: Bool) {
        outputWakeup.drain()
        let lines = lock.withLock { () -> [String] in
            defer { queued = [] }
            return queued
        }
        guard !lines.isEmpty else { return }
        let text = lines.joined(separator: "\n") + "\n"
        if aboveLine { LineEditor.printAbove(text) } else { writeRaw(text) }
    }

    func write(_ text: String) { writeRaw(text + "\n") }

    func writeRaw(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }

    /// Waits until one of `fds` is readable (or closed); returns those.
    func poll(_ fds: [Int32]) -> Set<Int32> {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let n = Glibc.poll(&entries, nfds_t(entries.count), -1)
        guard n > 0 else { return [] }
        return Set(entries.filter { $0.revents != 0 }.map(\.fd))
    }
}

/// The value a task hands to the shell thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? { lock.withLock { stored } }
    func set(_ value: T) { lock.withLock { stored = value } }
}
