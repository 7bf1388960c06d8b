import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `consensus repl` as a process for the tests, each run with a temporary
/// directory of its own (its TMPDIR, where the REPL puts its members' data, and its HOME), so
/// that the node processes it starts can be found by their command line and none outlives a
/// test. Every wait polls with a generous bound; nothing asserts on elapsed time.
struct ReplRun {
    /// TMPDIR and HOME of this run.
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "consensus-repl-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
    }

    /// The `consensus` executable built beside the test bundle.
    static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("consensus").path
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = root + "/tmp/"
        environment["HOME"] = root + "/home"
        return environment
    }

    /// Runs `consensus repl arguments` (or another `command`) with `script` on its stdin (a
    /// pipe: piped mode).
    /// - Returns: the exit status and everything it printed (stdout, then stderr).
    func piped(_ script: String, _ arguments: [String], command: String = "repl",
               timeout: Duration = .seconds(600)) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [command] + arguments
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let collected = Collected()
        let readers: [Thread] = [(output, false), (errors, true)].map { (pipe: Pipe, isError: Bool) -> Thread in
            Thread { collected.append(pipe.fileHandleForReading.readDataToEndOfFile(), isError: isError) }
        }
        readers.forEach { $0.start() }
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        while !collected.complete { usleep(50_000) }
        return (process.terminationStatus, collected.text)
    }

    /// PIDs of live `consensus node` processes whose command line names this run's directory.
    func nodeProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return state != "Z" && arguments.contains("node") && arguments.contains { $0.contains(root) }
        }
    }

    /// The process the nodes of this run exit with (their `--exit-with-parent`): the REPL.
    func replPID() -> Int32? {
        for pid in nodeProcesses() {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if let flag = arguments.firstIndex(of: "--exit-with-parent"), flag + 1 < arguments.count, let parent = Int32(arguments[flag + 1]) {
                return parent
            }
        }
        return nil
    }

    /// Waits (up to two minutes) until no node process of this run is left; returns those left.
    func nodesGone() -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(120)
        var left = nodeProcesses()
        while !left.isEmpty && ContinuousClock.now < deadline {
            usleep(250_000)
            left = nodeProcesses()
        }
        return left
    }

    /// Kills whatever this run left behind and deletes its directory.
    func tearDown() {
        for pid in nodeProcesses() {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Output read on other threads.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private var ends = 0

    func append(_ data: Data, isError: Bool) {
        lock.withLock {
            if isError { err += data } else { out += data }
            ends += 1
        }
    }

    var complete: Bool { lock.withLock { ends == 2 } }
    var text: String { lock.withLock { String(decoding: out, as: UTF8.self) + String(decoding: err, as: UTF8.self) } }
}
