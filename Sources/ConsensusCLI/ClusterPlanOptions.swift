import ArgumentParser
import ConsensusREPL

/// The options of a new local cluster, shared by `consensus cluster up` and `consensus repl`.
struct ClusterPlanOptions: ParsableArguments {
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

    @Option(name: .customLong("batch-window"), help: "Batch proposals arriving within this window into one entry, as 5ms (default off).")
    var batchWindow: String?

    @Flag(help: "Compress large entries and snapshots.")
    var compression = false

    @Option(name: .customLong("snapshot-interval"), help: "A snapshot every N applied entries (the node's default: 10000).")
    var snapshotInterval: Int?

    @Option(name: .customLong("vote-policy"), help: "simple_majority: auto (the default) or manual (vote by hand: 'pending', 'vote').")
    var votePolicy: String?

    @Option(name: .customLong("cluster-secret-file"), help: "A file with a shared secret every member proves to its peers (an absolute path).")
    var clusterSecretFile: String?

    /// The plan these options describe.
    /// - Parameter parentPID: the members exit when this process does.
    func plan(parentPID: Int32?) -> ClusterPlan {
        var plan = ClusterPlan()
        plan.nodes = nodes
        plan.mechanism = mechanism
        plan.quorum = quorum
        plan.heartbeat = heartbeat
        plan.electionTimeout = electionTimeout
        plan.logLevel = logLevel
        plan.parentPID = parentPID
        plan.clusterSecretFile = clusterSecretFile
        plan.batchWindow = batchWindow
        plan.compression = compression
        plan.snapshotInterval = snapshotInterval
        plan.votePolicy = votePolicy
        return plan
    }
}
