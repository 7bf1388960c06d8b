import ArgumentParser
import ConsensusServer
import Foundation
import Logging

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

        @Option(help: "How many members (1-32, default 3).")
        var nodes = 3

        @Option(help: "raft or simple_majority (default raft).")
        var mechanism = "raft"

        @Option(help: "simple_majority: the fraction of members whose votes accept a proposal (default 0.51).")
        var quorum: Double?

        @Option(help: "The heartbeat interval (the node's default: 100ms).")
        var heartbeat: String?

        @Option(name: .customLong("election-timeout"), help: "The election timeout range MIN-MAX (the node's default: 1000ms-2000ms).")
        var electionTimeout: String?

        @Option(name: .customLong("log-level"), help: "The members' log level (default info).")
        var logLevel = "info"

        @Option(help: "How long to wait for a leader (default 60s).")
        var wait = "60s"

        /// Tests: the members exit when this process does (passed on as `node --exit-with-parent`).
        @Option(name: .customLong("exit-with-parent"), help: .hidden)
        var parentPID: Int32?

        func validate() throws {
            guard (1...32).contains(nodes) else { throw ValidationError("--nodes: 1 to 32, not \(nodes)") }
            guard ["raft", "simple_majority"].contains(mechanism) else { throw ValidationError("--mechanism: 'raft' or 'simple_majority', not '\(mechanism)'") }
            if let quorum {
                guard mechanism == "simple_majority" else { throw ValidationError("--quorum applies to --mechanism simple_majority only") }
                guard quorum > 0 && quorum <= 1 else { throw ValidationError("--quorum: a fraction in (0, 1], e.g. 0.51") }
            }
            if let heartbeat, DurationArgument(heartbeat) == nil { throw ValidationError("--heartbeat: a duration such as 100ms, not '\(heartbeat)'") }
            if let electionTimeout, DurationArgument.range(electionTimeout) == nil {
                throw ValidationError("--election-timeout: MIN-MAX with MIN <= MAX, such as 1000ms-2000ms, not '\(electionTimeout)'")
            }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: one of trace, debug, info, notice, warning, error, critical") }
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
                if existing.members.count != nodes {
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
                for index in state.members.indices {
                    let m = state.members[index]
                    try FileManager.default.createDirectory(atPath: m.dataDir, withIntermediateDirectories: true)
                    state.members[index].pid = try MemberProcess.spawn(executable: executable, arguments: m.arguments, log: m.log)
                    // Record every PID as soon as it exists, so 'down' can stop whatever started.
                    try state.save(to: directory)
                }
            } catch let error as ClusterError {
                throw clusterFail(error.description)
            } catch {
                throw clusterFail("\(error)")
            }

            // Wait for every member to answer and (raft) for them to agree on a leader.
            let deadline = ContinuousClock.now + (DurationArgument(wait)?.duration ?? .seconds(60))
            var statuses: [String: MemberStatus] = [:]
            while true {
                for m in state.members where !MemberProcess.isNode(m.pid!, dataDir: m.dataDir) {
                    throw clusterFail("\(m.id) (pid \(m.pid!)) exited while starting: see \(m.log). "
                                      + "Stop the others with 'consensus cluster down --dir \(cluster.directory)'")
                }
                statuses = await MemberAPI.statuses(state.members)
                if statuses.count == state.members.count {
                    let named = Set(statuses.values.map(\.leader))
                    if named.count == 1, let leader = named.first!, statuses[leader]?.role == "leader" { break }
                    if state.mechanism == "simple_majority" && statuses.values.allSatisfy({ $0.leader == nil }) { break }
                }
                if ContinuousClock.now >= deadline {
                    let silent = state.members.filter { statuses[$0.id] == nil }.map(\.id)
                    throw clusterFail("no leader after \(wait)"
                                      + (silent.isEmpty ? "" : " (\(silent.joined(separator: ", ")) not answering)")
                                      + ": see the logs \(directory)/<id>.log; the members keep running "
                                      + "('consensus cluster status --dir \(cluster.directory)', 'consensus cluster down --dir \(cluster.directory)')")
                }
                try await Task.sleep(for: .milliseconds(200))
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
            let ids = (1...nodes).map { "n\($0)" }
            let ports = try MemberProcess.freePorts(2 * nodes)
            let peers = ids.enumerated().map { "\($1)=127.0.0.1:\(ports[2 * $0])" }.joined(separator: ",")
            let clusterID = "consensus-cluster-" + UUID().uuidString.prefix(8).lowercased()
            var members: [ClusterState.Member] = []
            for (i, id) in ids.enumerated() {
                let dataDir = directory + "/" + id
                var arguments = ["node", "--id", id, "--listen", "127.0.0.1:\(ports[2 * i])", "--api", "127.0.0.1:\(ports[2 * i + 1])",
                                 "--peers", peers, "--data-dir", dataDir, "--cluster-id", clusterID,
                                 "--mechanism", mechanism, "--log-level", logLevel]
                if let quorum { arguments += ["--quorum", "\(quorum)"] }
                if let heartbeat { arguments += ["--heartbeat", heartbeat] }
                if let electionTimeout { arguments += ["--election-timeout", electionTimeout] }
                if let parentPID { arguments += ["--exit-with-parent", "\(parentPID)"] }
                members.append(.init(id: id, pid: nil, peerPort: ports[2 * i], apiPort: ports[2 * i + 1], dataDir: dataDir,
                                     log: directory + "/" + id + ".log", arguments: arguments))
            }
            return ClusterState(clusterID: clusterID, executable: executable, mechanism: mechanism, members: members)
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
