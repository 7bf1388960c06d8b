import ArgumentParser
import Consensus
import ConsensusREPL
import ConsensusServer
import ConsensusTCP
import Foundation
import Logging

/// `consensus node`: one cluster member as a process.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one cluster member: peers over TCP, clients over HTTP/JSON.",
        discussion: """
            Example, a three-member cluster on one machine (run each line in its own terminal):
              consensus node --id n1 --listen 127.0.0.1:7001 --api 127.0.0.1:8001 --data-dir /tmp/n1 \\
                --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003
            then: curl -X PUT 127.0.0.1:8001/v1/kv/greeting -d '{"value": "hello"}'
            """)

    @Option(help: "This member's name, unique in the cluster.")
    var id: String

    @Option(help: "Where peers connect, host:port (default 127.0.0.1:7001).")
    var listen: String = "127.0.0.1:7001"

    @Option(help: "Where HTTP clients connect, host:port (default 127.0.0.1:8001).")
    var api: String = "127.0.0.1:8001"

    @Option(help: "Every member of the initial cluster, this one included: id=host:port,... (as etcd's --initial-cluster).")
    var peers: String

    @Option(name: .customLong("data-dir"), help: "The data directory (durable log, snapshots). Required unless --in-memory.")
    var dataDirectory: String?

    @Flag(name: .customLong("in-memory"), help: "Keep state in memory only: everything is lost when the process ends.")
    var inMemory = false

    @Option(name: .customLong("cluster-id"), help: "A cluster id every peer must present (default: consensus).")
    var clusterID = "consensus"

    @Option(help: "raft or simple_majority (default raft).")
    var mechanism = "raft"

    @Option(help: "simple_majority: the fraction of members whose votes accept a proposal (default 0.51).")
    var quorum: Double = 0.51

    @Option(help: "The heartbeat interval (default 100ms).")
    var heartbeat = "100ms"

    @Option(name: .customLong("election-timeout"), help: "The election timeout range MIN-MAX (default 1000ms-2000ms).")
    var electionTimeout = "1000ms-2000ms"

    @Option(help: "How long a proposal may wait for its answer (default 5s).")
    var timeout = "5s"

    @Option(name: .customLong("batch-window"), help: "Batch proposals arriving within this window into one entry (default off).")
    var batchWindow: String?

    @Option(name: .customLong("snapshot-interval"), help: "Take a snapshot every N applied entries (default 10000).")
    var snapshotInterval = 10_000

    @Flag(help: "Compress large entries and snapshots.")
    var compression = false

    @Option(name: .customLong("vote-policy"), help: "simple_majority: 'auto' (accept every proposal, the default) or 'manual' (vote with POST /v1/proposals/{id}/vote).")
    var votePolicy = "auto"

    @Flag(help: "Join an existing cluster (wait to be added with POST /v1/members) instead of founding one.")
    var join = false

    @Option(name: .customLong("cluster-secret"), help: "A shared secret peers prove they know (never sent).")
    var clusterSecret: String?

    @Option(name: .customLong("cluster-secret-file"), help: "Read the shared secret from this file.")
    var clusterSecretFile: String?

    @Option(name: .customLong("api-token"), help: "Every HTTP request must carry 'Authorization: Bearer <token>'.")
    var apiToken: String?

    @Option(name: .customLong("api-token-file"), help: "Read the API token from this file.")
    var apiTokenFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel = "info"

    @Option(name: .customLong("exit-with-parent"), help: .hidden)
    var parentPID: Int32?

    func validate() throws {
        guard PeerAddress(listen) != nil else { throw ValidationError("--listen: '\(listen)' is not host:port, e.g. 127.0.0.1:7001") }
        guard PeerAddress(api) != nil else { throw ValidationError("--api: '\(api)' is not host:port, e.g. 127.0.0.1:8001") }
        let members = try parsedPeers()
        if !join && members[id] == nil { throw ValidationError("--peers must include this member ('\(id)=\(listen)')") }
        if let own = members[id], own != PeerAddress(listen) {
            throw ValidationError("--peers says \(id) is at \(own), but --listen is \(listen): make them the same")
        }
        if dataDirectory == nil && !inMemory { throw ValidationError("--data-dir DIR is required (or --in-memory, which keeps nothing)") }
        if dataDirectory != nil && inMemory { throw ValidationError("--data-dir and --in-memory exclude each other: choose one") }
        guard ["raft", "simple_majority"].contains(mechanism) else { throw ValidationError("--mechanism: 'raft' or 'simple_majority', not '\(mechanism)'") }
        guard ["auto", "manual"].contains(votePolicy) else { throw ValidationError("--vote-policy: 'auto' or 'manual', not '\(votePolicy)'") }
        guard quorum > 0 && quorum <= 1 else { throw ValidationError("--quorum: a fraction in (0, 1], e.g. 0.51") }
        guard DurationArgument(heartbeat) != nil else { throw ValidationError("--heartbeat: a duration such as 100ms, not '\(heartbeat)'") }
        guard DurationArgument(timeout) != nil else { throw ValidationError("--timeout: a duration such as 5s, not '\(timeout)'") }
        guard DurationArgument.range(electionTimeout) != nil else {
            throw ValidationError("--election-timeout: MIN-MAX with MIN <= MAX, such as 1000ms-2000ms, not '\(electionTimeout)'")
        }
        if let batchWindow, DurationArgument(batchWindow) == nil { throw ValidationError("--batch-window: a duration such as 5ms, not '\(batchWindow)'") }
        guard snapshotInterval >= 1 else { throw ValidationError("--snapshot-interval: at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: one of trace, debug, info, notice, warning, error, critical") }
        if clusterSecret != nil && clusterSecretFile != nil { throw ValidationError("--cluster-secret and --cluster-secret-file exclude each other") }
        if clusterSecret == "" { throw ValidationError("--cluster-secret: must not be empty") }
        if apiToken == "" { throw ValidationError("--api-token: must not be empty") }
        if apiToken != nil && apiTokenFile != nil { throw ValidationError("--api-token and --api-token-file exclude each other") }
        do { try configuration().validate() } catch { throw ValidationError("\(error)") }
    }

    func parsedPeers() throws -> [String: PeerAddress] {
        var members: [String: PeerAddress] = [:]
        for item in peers.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, !pair[0].isEmpty, let address = PeerAddress(String(pair[1])) else {
                throw ValidationError("--peers: '\(item)' is not id=host:port, e.g. n1=127.0.0.1:7001")
            }
            guard members[String(pair[0])] == nil else { throw ValidationError("--peers: '\(pair[0])' is named twice") }
            members[String(pair[0])] = address
        }
        guard !members.isEmpty else { throw ValidationError("--peers: at least one id=host:port") }
        return members
    }

    func configuration() throws -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: DurationArgument(timeout)?.duration ?? .seconds(5),
            heartbeatInterval: DurationArgument(heartbeat)?.duration ?? .milliseconds(100),
            electionTimeout: DurationArgument.range(electionTimeout) ?? .milliseconds(1000)...(.milliseconds(2000)),
            batchUpdates: batchWindow != nil,
            batchWindow: batchWindow.flatMap { DurationArgument($0)?.duration } ?? .milliseconds(5),
            compression: compression,
            snapshotInterval: snapshotInterval)
        if mechanism == "simple_majority" {
            c.mechanism = .simpleMajority
            c.quorum = quorum
        }
        return c
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let options = NodeServerOptions(
            id: id, listen: PeerAddress(listen)!, api: PeerAddress(api)!, peers: try parsedPeers(),
            dataDirectory: inMemory ? nil : dataDirectory, clusterID: clusterID, configuration: try configuration(),
            join: join, clusterSecret: try secret(clusterSecret, file: clusterSecretFile, flag: "--cluster-secret-file"),
            apiToken: try secret(apiToken, file: apiTokenFile, flag: "--api-token-file"), parentPID: parentPID)
        var withVotes = options
        withVotes.manualVotes = votePolicy == "manual"
        do {
            try await NodeServer(options: withVotes).run()
        } catch let error as NodeServerError {
            FileHandle.standardError.write(Data("consensus node: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func secret(_ value: String?, file: String?, flag: String) throws -> String? {
        guard let file else { return value }
        guard let data = FileManager.default.contents(atPath: file),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            FileHandle.standardError.write(Data("consensus node: \(flag): cannot read a non-empty secret from \(file)\n".utf8))
            throw ExitCode(2)
        }
        return text
    }
}
