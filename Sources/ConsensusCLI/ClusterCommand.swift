import ArgumentParser
import ConsensusREPL
import ConsensusServer
import Foundation

/// `consensus cluster`: a local cluster of `consensus node` processes on loopback, for trying
/// things out: start it, look at it, kill and restart members, stop it.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run a local cluster of 'consensus node' processes on loopback (up, status, kill, restart, down).",
        discussion: """
            Example:
              consensus cluster up --nodes 3
              consensus cluster status
              consensus cluster kill n1
              consensus cluster restart n1
              consensus cluster down
            The processes keep running after 'up' returns; D/cluster.json records them (ids, PIDs, ports, data directories) and D/<id>.log holds each member's log.
            """,
        subcommands: [Up.self, Status.self, Kill.self, Restart.self, Down.self])
}

/// `--dir D`, shared by every `cluster` subcommand.
struct ClusterDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("dir"), help: "The cluster's directory: state file, logs, data (default ./consensus-cluster).")
    var directory = "./consensus-cluster"

    var path: String { absoluteClusterDirectory(directory) }

    /// The recorded cluster, or a ValidationError that says there is none.
    func state() throws -> ClusterState {
        do {
            guard let state = try ClusterState.load(from: path) else {
                throw ValidationError("no cluster in \(path) (no cluster.json): start one with 'consensus cluster up --dir \(directory)'")
            }
            return state
        } catch let error as ClusterError {
            throw ValidationError(error.description)
        }
    }

    func member(_ id: String) throws -> ClusterState.Member {
        let state = try state()
        guard let member = state.member(id) else {
            throw ValidationError("no member '\(id)' in \(path): the members are \(state.members.map(\.id).joined(separator: ", "))")
        }
        return member
    }
}

/// One line on stderr and the exit status: for failures found while running.
func clusterFail(_ message: String, status: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data("consensus cluster: \(message)\n".utf8))
    return ExitCode(status)
}

extension ClusterCommand {
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start N members (n1..nN) on free loopback ports and wait until they elect a leader.")

        @OptionGroup var cluster: ClusterDirectoryOptions

        @OptionGroup var settings: ClusterPlanOptions

        @Option(help: "How long to wait for a leader (default 60s).")
        var wait = "60s"

        /// Tests: the members exit when this process does (passed on as `node --exit-with-parent`).
        @Option(name: .customLong("exit-with-parent"), help: .hidden)
        var parentPID: Int32?

        /// The settings of a new cluster, shared with `consensus repl`.
        var plan: ClusterPlan { settings.plan(parentPID: parentPID) }

        func validate() throws {
            if let problem = plan.problem { throw ValidationError(problem) }
            guard DurationArgument(wait) != nil else { throw ValidationError("--wait: a duration such as 60s, not '\(wait)'") }
            let path = cluster.path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--dir: \(path) is a file, not a directory")
            }
            let existing: ClusterState?
            do { existing = try ClusterState.load(from: path) } catch { throw ValidationError("\(error)") }
            if let existing {
                let running = existing.running
                if !running.isEmpty {
                    throw ValidationError("\(path) already holds a running cluster (\(running.map { "\($0.id) pid \($0.pid!)" }.joined(separator: ", "))): "
                                          + "'consensus cluster down --dir \(cluster.directory)' first, or choose another --dir")
                }
                if existing.members.count != settings.nodes {
                    throw ValidationError("\(path) holds a stopped cluster of \(existing.members.count) members: 'up --nodes \(existing.members.count)' "
                                          + "restarts it, 'down --purge' deletes it")
                }
            }
        }

        func run() async throws {
            let directory = cluster.path
            let lock: ClusterLock
            do { lock = try ClusterLock(directory: directory) } catch { throw clusterFail("\(error)") }
            defer { withExtendedLifetime(lock) {} }

            let executable = MemberProcess.currentExecutable()
            var state: ClusterState
            do {
                if var existing = try ClusterState.load(from: directory) {
                    // A stopped cluster (checked in validate()): start its members again as they were.
                    guard existing.running.isEmpty else { throw ClusterError("\(directory) already holds a running cluster") }
                    print("Restarting the stopped cluster in \(directory) with its recorded settings.")
                    existing.executable = executable
                    state = existing
                } else {
                    state = try newCluster(directory: directory, executable: executable)
                }
                // Record every PID as soon as it exists, so 'down' can stop whatever started.
                try LocalClusterLauncher.spawnAll(&state) { try $0.save(to: directory) }
            } catch let error as ClusterError {
                throw clusterFail(error.description)
            } catch {
                throw clusterFail("\(error)")
            }

            // Wait for every member to answer and (raft) for them to agree on a leader.
            let statuses: [String: MemberStatus]
            switch await LocalClusterLauncher.waitForLeader(state, timeout: DurationArgument(wait)?.duration ?? .seconds(60)) {
            case .leader(_, let answered), .leaderless(let answered):
                statuses = answered
            case .exited(let m):
                throw clusterFail("\(m.id) (pid \(m.pid.map(String.init) ?? "-")) exited while starting: see \(m.log). "
                                  + "Stop the others with 'consensus cluster down --dir \(cluster.directory)'")
            case .timedOut(let answered):
                let silent = state.members.filter { answered[$0.id] == nil }.map(\.id)
                throw clusterFail("no leader after \(wait)"
                                  + (silent.isEmpty ? "" : " (\(silent.joined(separator: ", ")) not answering)")
                                  + ": see the logs \(directory)/<id>.log; the members keep running "
                                  + "('consensus cluster status --dir \(cluster.directory)', 'consensus cluster down --dir \(cluster.directory)')")
            }

            let leader = MemberAPI.leader(statuses)
            print("Cluster of \(state.members.count) (\(state.mechanism)) up in \(directory):")
            let width = state.members.map(\.id.count).max() ?? 2
            for m in state.members {
                let mark = m.id == leader?.id ? "  leader" : ""
                print("  \(m.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(m.apiURL)  pid \(m.pid!)\(mark)")
            }
            if let leader {
                print("Leader: \(leader.id) (term \(leader.term))")
            } else {
                print("Leader: none (\(state.mechanism) is leaderless)")
            }
            let any = state.members.first { $0.id != leader?.id } ?? state.members[0]
            print("Try: curl -X PUT \(any.apiURL)/v1/kv/greeting -d '{\"value\":\"hello\"}'")
            print("     consensus cluster status --dir \(cluster.directory)    (stop: consensus cluster down --dir \(cluster.directory))")
        }

        private func newCluster(directory: String, executable: String) throws -> ClusterState {
            try plan.newCluster(directory: directory, executable: executable)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each member's role, term, commit and applied index, and how many members it reaches; a member that does not answer is down.")

        @OptionGroup var cluster: ClusterDirectoryOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws { _ = try cluster.state() }

        func run() async throws {
            let state = try cluster.state()
            let statuses = await MemberAPI.statuses(state.members)
            let leader = MemberAPI.leader(statuses)
            let running = Set(state.running.map(\.id))
            if json {
                let members: [[String: Any]] = state.members.map { m in
                    let s = statuses[m.id]
                    return [
                        "id": m.id,
                        "pid": running.contains(m.id) ? Int(m.pid!) : NSNull(),
                        "running": running.contains(m.id),
                        "up": s != nil,
                        "api": m.apiURL,
                        "peer": m.peerAddress,
                        "dataDir": m.dataDir,
                        "log": m.log,
                        "role": s?.role ?? "down",
                        "term": s.map { Int($0.term) } ?? NSNull(),
                        "commitIndex": s.map { Int($0.commitIndex) } ?? NSNull(),
                        "appliedIndex": s.map { Int($0.appliedIndex) } ?? NSNull(),
                        "leader": s?.leader ?? NSNull(),
                        "reachable": s.map { $0.members.filter(\.reachable).map(\.id).sorted() } ?? NSNull(),
                        "isLeader": m.id == leader?.id,
                    ]
                }
                let object: [String: Any] = [
                    "directory": cluster.path, "clusterID": state.clusterID, "mechanism": state.mechanism,
                    "leader": leader?.id ?? NSNull(), "members": members,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            var rows = [["ID", "PID", "ROLE", "TERM", "COMMIT", "APPLIED", "REACHABLE", "API"]]
            for m in state.members {
                let id = m.id + (m.id == leader?.id ? " *" : "")
                let pid = running.contains(m.id) ? "\(m.pid!)" : "-"
                if let s = statuses[m.id] {
                    rows.append([id, pid, s.role, "\(s.term)", "\(s.commitIndex)", "\(s.appliedIndex)",
                                 "\(s.members.filter(\.reachable).count)/\(s.members.count)", m.apiURL])
                } else {
                    rows.append([id, pid, "down", "-", "-", "-", "-", m.apiURL])
                }
            }
            let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
            for row in rows {
                print(row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            print(leader.map { "* leader: \($0.id) (term \($0.term))" } ?? "no leader")
        }
    }

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SIGKILL one member's process (nothing flushed, no goodbye).")

        @OptionGroup var cluster: ClusterDirectoryOptions

        @Argument(help: "The member, e.g. n1.")
        var id: String

        func validate() throws {
            let member = try cluster.member(id)
            guard member.pid.map({ MemberProcess.isNode($0, dataDir: member.dataDir) }) ?? false else {
                throw ValidationError("\(id) is not running (start it with 'consensus cluster restart \(id) --dir \(cluster.directory)')")
            }
        }

        func run() async throws {
            let directory = cluster.path
            let lock: ClusterLock
            do { lock = try ClusterLock(directory: directory) } catch { throw clusterFail("\(error)") }
            defer { withExtendedLifetime(lock) {} }
            var state = try cluster.state()
            guard let index = state.members.firstIndex(where: { $0.id == id }) else { throw clusterFail("no member '\(id)'", status: 2) }
            let member = state.members[index]
            let left = MemberProcess.stop([member], graceful: false)
            guard left.isEmpty else { throw clusterFail("\(id) (pid \(member.pid!)) is still alive after SIGKILL") }
            state.members[index].pid = nil
            do { try state.save(to: directory) } catch { throw clusterFail("cannot write the state file: \(error)") }
            print("Killed \(id) (pid \(member.pid.map(String.init) ?? "-")).")
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start one member again, with the same arguments and data directory (stopping it first if it runs).")

        @OptionGroup var cluster: ClusterDirectoryOptions

        @Argument(help: "The member, e.g. n1.")
        var id: String

        @Option(help: "How long to wait for it to answer (default 60s).")
        var wait = "60s"

        func validate() throws {
            _ = try cluster.member(id)
            guard DurationArgument(wait) != nil else { throw ValidationError("--wait: a duration such as 60s, not '\(wait)'") }
        }

        func run() async throws {
            let directory = cluster.path
            let lock: ClusterLock
            do { lock = try ClusterLock(directory: directory) } catch { throw clusterFail("\(error)") }
            defer { withExtendedLifetime(lock) {} }
            var state = try cluster.state()
            guard let index = state.members.firstIndex(where: { $0.id == id }) else { throw clusterFail("no member '\(id)'", status: 2) }
            var member = state.members[index]
            if !MemberProcess.stop([member], graceful: true).isEmpty {
                throw clusterFail("\(id) (pid \(member.pid!)) did not stop")
            }
            let executable = MemberProcess.currentExecutable()
            do {
                try FileManager.default.createDirectory(atPath: member.dataDir, withIntermediateDirectories: true)
                member.pid = try MemberProcess.spawn(executable: executable, arguments: member.arguments, log: member.log)
                state.members[index] = member
                state.executable = executable
                try state.save(to: directory)
            } catch {
                throw clusterFail("\(error)")
            }
            let deadline = ContinuousClock.now + (DurationArgument(wait)?.duration ?? .seconds(60))
            while true {
                guard MemberProcess.isNode(member.pid!, dataDir: member.dataDir) else {
                    throw clusterFail("\(id) (pid \(member.pid!)) exited while starting: see \(member.log)")
                }
                if let s = await MemberAPI.status(port: member.apiPort) {
                    print("Restarted \(id): pid \(member.pid!), \(member.apiURL), \(s.role) in term \(s.term)"
                          + (s.leader.map { ", leader \($0)" } ?? ""))
                    return
                }
                if ContinuousClock.now >= deadline {
                    throw clusterFail("\(id) (pid \(member.pid!)) runs but does not answer on \(member.apiURL) after \(wait): see \(member.log)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every member (SIGTERM, SIGKILL after 10 s); keep the data unless --purge.")

        @OptionGroup var cluster: ClusterDirectoryOptions

        @Flag(help: "Also delete the data directories, the logs and the state file.")
        var purge = false

        func validate() throws { _ = try cluster.state() }

        func run() async throws {
            let directory = cluster.path
            let lock: ClusterLock
            do { lock = try ClusterLock(directory: directory) } catch { throw clusterFail("\(error)") }
            defer { withExtendedLifetime(lock) {} }
            var state = try cluster.state()
            let running = state.running
            let left = MemberProcess.stop(running, graceful: true)
            if !left.isEmpty {
                throw clusterFail("still alive after SIGKILL: \(left.map { "\($0.id) pid \($0.pid!)" }.joined(separator: ", "))")
            }
            for i in state.members.indices { state.members[i].pid = nil }
            do {
                if purge {
                    for m in state.members {
                        try? FileManager.default.removeItem(atPath: m.dataDir)
                        try? FileManager.default.removeItem(atPath: m.log)
                    }
                    try FileManager.default.removeItem(atPath: ClusterState.path(in: directory))
                    try? FileManager.default.removeItem(atPath: directory + "/.cluster.lock")
                    rmdir(directory)  // only if nothing else is in it
                } else {
                    try state.save(to: directory)
                }
            } catch {
                throw clusterFail("\(error)")
            }
            let stopped = running.map { "\($0.id) (pid \($0.pid!))" }.joined(separator: ", ")
            print(running.isEmpty ? "No member was running." : "Stopped \(stopped).")
            print(purge ? "Deleted the data, logs and state in \(directory)."
                        : "Data kept in \(directory): 'consensus cluster up --nodes \(state.members.count) --dir \(cluster.directory)' starts it again.")
        }
    }
}
