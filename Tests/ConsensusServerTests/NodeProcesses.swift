import ConsensusREPL
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A cluster of real `consensus node` processes on loopback, for tests. Every process is started
/// with `--exit-with-parent`, so none outlives the test run even if it is interrupted, and
/// ``stopAll()`` kills them by PID.
final class NodeProcesses: @unchecked Sendable {
    struct Member {
        var id: String
        var peerPort: Int
        var apiPort: Int
        var directory: String
        var process: Process?
        var peerHost = "127.0.0.1"
        var apiHost = "127.0.0.1"
        /// A network namespace to run the member in (`ip netns exec`), if any.
        var namespace: String?
    }

    /// Where a member runs: its peer and API addresses, and its network namespace.
    struct Placement {
        var id: String
        var peerHost: String
        var peerPort: Int
        var apiHost: String
        var apiPort: Int
        var namespace: String?
    }

    private let lock = NSLock()
    private(set) var members: [String: Member] = [:]
    /// Members started with `--join` (not founders).
    private var joiners: Set<String> = []
    let root: String
    var peers: String
    let extraArguments: [String]

    /// The `consensus` executable built beside the test bundle.
    static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("consensus").path
    }

    init(ids: [String], extraArguments: [String] = []) throws {
        root = NSTemporaryDirectory() + "consensus-nodes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var members: [String: Member] = [:]
        for id in ids {
            members[id] = Member(id: id, peerPort: try freePort(), apiPort: try freePort(), directory: root + "/" + id)
        }
        self.members = members
        peers = ids.map { "\($0)=127.0.0.1:\(members[$0]!.peerPort)" }.joined(separator: ",")
        self.extraArguments = extraArguments
    }

    /// Members placed by the caller (for example one per network namespace).
    init(placements: [Placement], extraArguments: [String] = []) throws {
        root = NSTemporaryDirectory() + "consensus-nodes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for p in placements {
            members[p.id] = Member(id: p.id, peerPort: p.peerPort, apiPort: p.apiPort, directory: root + "/" + p.id,
                                   peerHost: p.peerHost, apiHost: p.apiHost, namespace: p.namespace)
        }
        peers = placements.map { "\($0.id)=\($0.peerHost):\($0.peerPort)" }.joined(separator: ",")
        self.extraArguments = extraArguments
    }

    deinit { stopAll() }

    /// Adds a member that joins the running cluster (`--join`): it waits to be added through the
    /// API. Returns its peer address.
    func addJoiner(_ id: String) throws -> String {
        let member = Member(id: id, peerPort: try freePort(), apiPort: try freePort(), directory: root + "/" + id)
        lock.withLock {
            members[id] = member
            joiners.insert(id)
            peers += ",\(id)=127.0.0.1:\(member.peerPort)"
        }
        return "127.0.0.1:\(member.peerPort)"
    }

    /// Starts (or restarts) a member on its data directory, with `extra` arguments of its own.
    func start(_ id: String, extra: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw NodeProcessError("no consensus executable at \(Self.executable): build it first (swift build)")
        }
        let (m, peers) = lock.withLock { (members[id]!, self.peers) }
        let process = Process()
        let arguments = ["node", "--id", id, "--listen", "\(m.peerHost):\(m.peerPort)", "--api", "\(m.apiHost):\(m.apiPort)",
                         "--peers", peers, "--data-dir", m.directory, "--heartbeat", "50ms",
                         "--election-timeout", "500ms-1000ms", "--log-level", "warning",
                         "--exit-with-parent", "\(getpid())"] + extraArguments + extra
            + (lock.withLock { joiners.contains(id) } ? ["--join"] : [])
        if let namespace = m.namespace {
            // `ip netns exec` enters the namespace and execs the member: the PID is the member's.
            process.executableURL = URL(fileURLWithPath: NetworkNamespaces.ip)
            process.arguments = ["netns", "exec", namespace, Self.executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = arguments
        }
        let log = FileHandle(forWritingAtPath: logPath(id)) ?? {
            FileManager.default.createFile(atPath: logPath(id), contents: nil)
            return FileHandle(forWritingAtPath: logPath(id))!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { members[id]!.process = process }
    }

    /// A member's data directory.
    func directory(_ id: String) -> String { lock.withLock { members[id]!.directory } }

    func logPath(_ id: String) -> String { root + "/" + id + ".log" }

    func log(_ id: String) -> String { (try? String(contentsOfFile: logPath(id), encoding: .utf8)) ?? "" }

    /// SIGKILL: nothing is flushed or said goodbye to.
    func kill9(_ id: String) {
        guard let process = lock.withLock({ members[id]?.process }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        lock.withLock { members[id]!.process = nil }
    }

    func stopAll() {
        let processes = lock.withLock { members.values.compactMap(\.process) }
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in processes { p.waitUntilExit() }
        lock.withLock { for id in members.keys { members[id]!.process = nil } }
        try? FileManager.default.removeItem(atPath: root)
    }

    func url(_ id: String, _ path: String) -> URL {
        let m = lock.withLock { members[id]! }
        return URL(string: "http://\(m.apiHost):\(m.apiPort)\(path)")!
    }

    /// One HTTP call: status 0 with code `connection_refused` when the member is down or not
    /// listening yet; `nil` when no answer came.
    func call(_ id: String, _ method: String, _ path: String, _ body: String? = nil) async -> (status: Int, json: [String: Any])? {
        var request = URLRequest(url: url(id, path))
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let prepared = request
        let outcome = await Self.firstOf(deadline: Self.callDeadline) {
            do {
                let (data, response) = try await URLSession.shared.data(for: prepared)
                guard let http = response as? HTTPURLResponse else { return CallOutcome.noAnswer }
                return .answered(http.statusCode, data)
            } catch let error as URLError where error.code == .cannotConnectToHost {
                return .refused
            } catch {
                return .noAnswer
            }
        }
        switch outcome {
        case .answered(let status, let data):
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            return (status, json)
        case .refused:
            // A member that is down (URLSession may still have written the request on a pooled
            // connection before retrying, so this does not prove nothing was sent).
            return (0, ["code": "connection_refused"])
        case .noAnswer, nil:
            return nil
        }
    }

    /// What one call came to.
    enum CallOutcome: Sendable { case answered(Int, Data), refused, noAnswer }

    /// A call's overall bound. (URLSession's `timeoutInterval` is an idle timeout: a response
    /// that streams, such as a watch sending keep-alive comments, would never end.)
    static let callDeadline: Duration = .seconds(90)

    /// The result of `work`, or `nil` once `deadline` of real time passed (the work is then
    /// abandoned, not awaited).
    static func firstOf<T: Sendable>(deadline: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        let once = OnceBox<T?>()
        return await withCheckedContinuation { continuation in
            once.set(continuation)
            let task = Task { once.resume(with: await work()) }
            Task {
                try? await Task.sleep(for: deadline)
                once.resume(with: nil)
                task.cancel()
            }
        }
    }

    /// A GET whose body is text (such as `/metrics`); `nil` when no answer came.
    func text(_ id: String, _ path: String) async -> String? {
        var request = URLRequest(url: url(id, path))
        request.timeoutInterval = 30
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls `condition` every 100 ms for up to `timeout` of real time.
    func eventually(timeout: Duration = .seconds(60), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return await condition()
    }

    /// The member every running member names as leader, once they agree.
    func leader(among ids: [String]) async -> String? {
        var named: Set<String> = []
        for id in ids {
            guard let status = await call(id, "GET", "/v1/status"), let leader = status.json["leader"] as? String else { return nil }
            named.insert(leader)
        }
        return named.count == 1 ? named.first : nil
    }
}

struct NodeProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A TCP port free at the moment of asking (the REPL's helper, which the local clusters use).
func freePort() throws -> Int {
    guard let port = try MemberProcess.freePorts(1).first else { throw NodeProcessError("no free port") }
    return port
}

/// A continuation resumed once, by whichever comes first.
final class OnceBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?

    func set(_ c: CheckedContinuation<T, Never>) { lock.withLock { continuation = c } }

    func resume(with value: T) {
        let c = lock.withLock { () -> CheckedContinuation<T, Never>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume(returning: value)
    }
}
