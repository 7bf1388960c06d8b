import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `consensus cluster` end to end: the built `consensus` executable starts real member
/// processes on loopback. Real time: every wait polls with a generous bound; nothing asserts
/// on elapsed time. Whatever happens, the cluster is taken down and every recorded PID that is
/// still one of its members is killed.
@Suite("consensus cluster", .serialized)
struct ClusterCommandTests {
    @Test("up, status --json, a write through one member read through another, kill, restart, down")
    func lifecycle() async throws {
        let dir = NSTemporaryDirectory() + "consensus-cluster-test-" + UUID().uuidString
        defer { ClusterCLI.tearDown(dir) }

        let up = await ClusterCLI.run(["cluster", "up", "--nodes", "3", "--dir", dir, "--heartbeat", "50ms",
                                       "--election-timeout", "500ms-1000ms", "--log-level", "warning",
                                       "--exit-with-parent", "\(getpid())"])
        try #require(up.status == 0, "cluster up failed: \(up.output)")
        #expect(up.output.contains("Leader: n"), "\(up.output)")
        #expect(up.output.contains("curl -X PUT http://127.0.0.1:"), "\(up.output)")

        // A second 'up' on the same directory is refused.
        let again = await ClusterCLI.run(["cluster", "up", "--nodes", "3", "--dir", dir])
        #expect(again.status == 2, "\(again.output)")
        #expect(again.output.contains("already holds a running cluster"), "\(again.output)")

        // One leader, three members, every one up.
        var status: [String: Any] = [:]
        #expect(await ClusterCLI.eventually {
            status = await ClusterCLI.status(dir)
            let members = status["members"] as? [[String: Any]] ?? []
            return members.count == 3 && members.filter { $0["isLeader"] as? Bool == true }.count == 1
                && members.allSatisfy { $0["up"] as? Bool == true } && status["leader"] is String
        }, "status: \(status)")
        let members = status["members"] as? [[String: Any]] ?? []
        let api = Dictionary(uniqueKeysWithValues: members.compactMap { m in (m["id"] as? String).map { ($0, m["api"] as? String ?? "") } })
        try #require(api.count == 3)

        // A write through n2, a linearizable read through n3. Retry only on definite refusals.
        var written = false
        _ = await ClusterCLI.eventually {
            guard let reply = await ClusterCLI.call(api["n2"]! + "/v1/kv/greeting", "PUT", #"{"value":"hello"}"#) else { return false }
            if reply.status == 200 { written = true; return true }
            return reply.json["code"] as? String == "timeout"
        }
        #expect(written)
        let read = await ClusterCLI.call(api["n3"]! + "/v1/kv/greeting", "GET")
        #expect(read?.json["value"] as? String == "hello", "\(String(describing: read))")

        // kill n1: its process goes, status shows it down.
        let n1PID = try #require(ClusterCLI.recordedPIDs(dir)["n1"])
        let kill = await ClusterCLI.run(["cluster", "kill", "n1", "--dir", dir])
        #expect(kill.status == 0, "\(kill.output)")
        #expect(!ClusterCLI.isAlive(n1PID))
        #expect(await ClusterCLI.eventually {
            status = await ClusterCLI.status(dir)
            return ClusterCLI.member("n1", status)?["up"] as? Bool == false && ClusterCLI.member("n1", status)?["role"] as? String == "down"
        }, "status after kill: \(status)")

        // restart n1: back, and it catches up on the write from its data directory and the leader.
        let restart = await ClusterCLI.run(["cluster", "restart", "n1", "--dir", dir])
        #expect(restart.status == 0, "\(restart.output)")
        #expect(await ClusterCLI.eventually {
            status = await ClusterCLI.status(dir)
            return ClusterCLI.member("n1", status)?["up"] as? Bool == true && ClusterCLI.member("n1", status)?["running"] as? Bool == true
        }, "status after restart: \(status)")
        #expect(await ClusterCLI.eventually {
            await ClusterCLI.call(api["n1"]! + "/v1/kv/greeting?consistency=local", "GET")?.json["value"] as? String == "hello"
        }, "n1 never caught up")

        // down: none of the recorded PIDs is left.
        let pids = Array(ClusterCLI.recordedPIDs(dir).values) + [n1PID]
        #expect(pids.count == 4)
        let down = await ClusterCLI.run(["cluster", "down", "--dir", dir])
        #expect(down.status == 0, "\(down.output)")
        for pid in pids { #expect(!ClusterCLI.isAlive(pid), "pid \(pid) still alive after cluster down") }
        #expect(ClusterCLI.recordedPIDs(dir).isEmpty)
    }

    @Test("Bad input: one line, exit 2")
    func badInput() async throws {
        let dir = NSTemporaryDirectory() + "consensus-cluster-test-" + UUID().uuidString
        defer { ClusterCLI.tearDown(dir) }
        for arguments in [["cluster", "up", "--nodes", "0", "--dir", dir],
                          ["cluster", "up", "--mechanism", "paxos", "--dir", dir],
                          ["cluster", "up", "--heartbeat", "soon", "--dir", dir],
                          ["cluster", "status", "--dir", dir],
                          ["cluster", "kill", "n1", "--dir", dir],
                          ["cluster", "restart", "n1", "--dir", dir],
                          ["cluster", "down", "--dir", dir]] {
            let result = await ClusterCLI.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.output)")
            #expect(result.output.split(separator: "\n").count == 1, "\(arguments): \(result.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/cluster.json"))
    }
}

/// Runs the `consensus` executable beside the test bundle, and reads what it recorded.
enum ClusterCLI {
    /// Runs `consensus arguments` to completion (at most 180 s), stdout and stderr together.
    static func run(_ arguments: [String]) async -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "consensus-cli-" + UUID().uuidString + ".out"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        guard let output = FileHandle(forWritingAtPath: outputPath) else { return (-1, "cannot create \(outputPath)") }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcesses.executable)
        process.arguments = arguments
        // A file, not a pipe: a member that inherited a pipe would keep it open forever.
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "cannot run \(NodeProcesses.executable): \(error)") }
        let deadline = ContinuousClock.now + .seconds(180)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return (-1, "timed out: consensus \(arguments.joined(separator: " "))")
        }
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }

    /// The same, blocking: for `defer`.
    static func runBlocking(_ arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NodeProcesses.executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        process.waitUntilExit()
    }

    /// `cluster down --purge`, then SIGKILL any recorded PID that is still one of the members
    /// (checked by its command line), then the directory goes.
    static func tearDown(_ dir: String) {
        let members = recordedMembers(dir)
        if FileManager.default.fileExists(atPath: dir + "/cluster.json") {
            runBlocking(["cluster", "down", "--dir", dir])
        }
        for (pid, dataDir) in members where isAlive(pid) {
            let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
                .map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\0", with: " ") } ?? ""
            if cmdline.contains("consensus") && cmdline.contains(" node ") && cmdline.contains(dataDir) { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func state(_ dir: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: dir + "/cluster.json") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// id -> pid of every member the state file records as started.
    static func recordedPIDs(_ dir: String) -> [String: Int32] {
        var result: [String: Int32] = [:]
        for m in state(dir)["members"] as? [[String: Any]] ?? [] {
            if let id = m["id"] as? String, let pid = m["pid"] as? Int { result[id] = Int32(pid) }
        }
        return result
    }

    static func recordedMembers(_ dir: String) -> [(pid: Int32, dataDir: String)] {
        (state(dir)["members"] as? [[String: Any]] ?? []).compactMap { m in
            guard let pid = m["pid"] as? Int, let dataDir = m["dataDir"] as? String else { return nil }
            return (Int32(pid), dataDir)
        }
    }

    /// Alive and not a zombie (members outlive `cluster up`, so their parent may be an init
    /// that never reaps them).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// `cluster status --json`, parsed; empty when it fails.
    static func status(_ dir: String) async -> [String: Any] {
        let result = await run(["cluster", "status", "--dir", dir, "--json"])
        guard result.status == 0 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any] ?? [:]
    }

    static func member(_ id: String, _ status: [String: Any]) -> [String: Any]? {
        (status["members"] as? [[String: Any]] ?? []).first { $0["id"] as? String == id }
    }

    static func call(_ url: String, _ method: String, _ body: String? = nil) async -> (status: Int, json: [String: Any])? {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// Polls `condition` every 200 ms for up to `timeout` of real time.
    static func eventually(timeout: Duration = .seconds(60), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return await condition()
    }
}
