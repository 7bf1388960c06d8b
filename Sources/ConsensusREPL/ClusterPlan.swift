import Foundation

/// The settings of a new local cluster of `consensus node` processes on loopback (members
/// `n1`...`nN`), shared by `consensus cluster up` and `consensus repl`.
public struct ClusterPlan: Sendable {
    /// How many members (1-32).
    public var nodes = 3
    /// `raft` or `simple_majority`.
    public var mechanism = "raft"
    /// simple_majority: the fraction of members whose votes accept a proposal.
    public var quorum: Double?
    /// The heartbeat interval, as `100ms` (the node's default when `nil`).
    public var heartbeat: String?
    /// The election timeout range, as `1000ms-2000ms` (the node's default when `nil`).
    public var electionTimeout: String?
    /// The members' log level.
    public var logLevel = "info"
    /// The members exit when this process does (`node --exit-with-parent`).
    public var parentPID: Int32?
    /// A file holding the shared secret every member proves it knows to its peers
    /// (`consensus node --cluster-secret-file`); `nil`: none.
    public var clusterSecretFile: String?
    /// Batch proposals arriving within this window (`--batch-window`, as `5ms`); `nil`: off.
    public var batchWindow: String?
    /// Compress large entries and snapshots (`--compression`).
    public var compression = false
    /// A snapshot every N applied entries (`--snapshot-interval`); `nil`: the node's default.
    public var snapshotInterval: Int?
    /// simple_majority: `auto` or `manual` voting (`--vote-policy`); `nil`: the node's default (auto).
    public var votePolicy: String?

    /// Creates a plan with the defaults: three raft members on the node's default timing.
    public init() {}

    /// The first problem with these settings, as one line that names the flag, or `nil`.
    public var problem: String? {
        guard (1...32).contains(nodes) else { return "--nodes: 1 to 32, not \(nodes)" }
        guard ["raft", "simple_majority"].contains(mechanism) else { return "--mechanism: 'raft' or 'simple_majority', not '\(mechanism)'" }
        if let quorum {
            guard mechanism == "simple_majority" else { return "--quorum applies to --mechanism simple_majority only" }
            guard quorum > 0 && quorum <= 1 else { return "--quorum: a fraction in (0, 1], e.g. 0.51" }
        }
        if let heartbeat, DurationArgument(heartbeat) == nil { return "--heartbeat: a duration such as 100ms, not '\(heartbeat)'" }
        if let electionTimeout, DurationArgument.range(electionTimeout) == nil {
            return "--election-timeout: MIN-MAX with MIN <= MAX, such as 1000ms-2000ms, not '\(electionTimeout)'"
        }
        if let batchWindow, DurationArgument(batchWindow) == nil { return "--batch-window: a duration such as 5ms, not '\(batchWindow)'" }
        if let snapshotInterval, snapshotInterval < 1 { return "--snapshot-interval: at least 1, not \(snapshotInterval)" }
        if let votePolicy {
            guard ["auto", "manual"].contains(votePolicy) else { return "--vote-policy: 'auto' or 'manual', not '\(votePolicy)'" }
            guard mechanism == "simple_majority" else { return "--vote-policy applies to --mechanism simple_majority only" }
        }
        if let clusterSecretFile {
            guard clusterSecretFile.hasPrefix("/") else { return "--cluster-secret-file: an absolute path (every member reads it), not '\(clusterSecretFile)'" }
            guard FileManager.default.isReadableFile(atPath: clusterSecretFile) else { return "--cluster-secret-file: cannot read '\(clusterSecretFile)'" }
        }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else { return "--log-level: one of \(levels.joined(separator: ", "))" }
        return nil
    }

    /// A new cluster in `directory`: ids, free loopback ports, data directories, logs and the
    /// command line of every member (nothing is started).
    /// - Parameters:
    ///   - directory: an absolute directory for the data and logs.
    ///   - executable: the `consensus` binary.
    /// - Returns: the state to start with ``LocalClusterLauncher``.
    public func newCluster(directory: String, executable: String) throws -> ClusterState {
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
            if let clusterSecretFile { arguments += ["--cluster-secret-file", clusterSecretFile] }
            if let batchWindow { arguments += ["--batch-window", batchWindow] }
            if compression { arguments.append("--compression") }
            if let snapshotInterval { arguments += ["--snapshot-interval", "\(snapshotInterval)"] }
            if let votePolicy { arguments += ["--vote-policy", votePolicy] }
            members.append(.init(id: id, pid: nil, peerPort: ports[2 * i], apiPort: ports[2 * i + 1], dataDir: dataDir,
                                 log: directory + "/" + id + ".log", arguments: arguments))
        }
        return ClusterState(clusterID: clusterID, executable: executable, mechanism: mechanism, members: members)
    }
}
