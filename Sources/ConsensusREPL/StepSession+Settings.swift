import Consensus
import ConsensusTesting

extension SteppedClusterOptions {
    /// The options a script header or the command line describes: `seed`, `nodes`,
    /// `mechanism` (raft or simple_majority), `quorum` (simple_majority), `checkQuorum`
    /// (true or false), `snapshotInterval` (0: never). Unknown keys are refused, so a misspelt one is not silently ignored.
    /// - Throws: ``ReplError`` naming the setting and what it takes.
    public static func from(settings: [String: String]) throws(ReplError) -> SteppedClusterOptions {
        var options = SteppedClusterOptions()
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "seed":
                guard let seed = UInt64(value) else { throw ReplError("seed: a whole number from 0, not '\(value)'") }
                options.seed = seed
            case "nodes":
                guard let n = Int(value), (1...membersMax).contains(n) else { throw ReplError("nodes: from 1 to \(membersMax) in step mode, not '\(value)'") }
                options.members = n
            case "mechanism":
                switch value {
                case "raft": options.mechanism = .raft
                case "simple_majority": options.mechanism = .simpleMajority
                default: throw ReplError("mechanism: raft or simple_majority, not '\(value)'")
                }
            case "quorum":
                guard let q = Double(value), q > 0, q <= 1 else { throw ReplError("quorum: a fraction above 0 and at most 1, as 0.51, not '\(value)'") }
                options.quorum = q
            case "checkQuorum":
                guard let b = Bool(value) else { throw ReplError("checkQuorum: true or false, not '\(value)'") }
                options.checkQuorum = b
            case "snapshotInterval":
                guard let n = Int(value), n >= 0 else { throw ReplError("snapshotInterval: entries between snapshots (0: never), not '\(value)'") }
                options.snapshotInterval = n
            default:
                throw ReplError("unknown setting '\(key)': step mode takes seed, nodes, mechanism, quorum, checkQuorum and snapshotInterval")
            }
        }
        return options
    }
}

extension ClusterPlan {
    /// The header settings that ``from(settings:)`` turns back into this plan (`nodes=3`, then
    /// only what differs from the defaults): what `save` writes after `# mode: cluster`.
    public var scriptSettings: [String] {
        var settings = ["nodes=\(nodes)"]
        if mechanism != "raft" { settings.append("mechanism=\(mechanism)") }
        if let quorum { settings.append("quorum=\(quorum)") }
        if let heartbeat { settings.append("heartbeat=\(heartbeat)") }
        if let electionTimeout { settings.append("electionTimeout=\(electionTimeout)") }
        if let batchWindow { settings.append("batchWindow=\(batchWindow)") }
        if compression { settings.append("compression=true") }
        if let snapshotInterval { settings.append("snapshotInterval=\(snapshotInterval)") }
        if let votePolicy { settings.append("votePolicy=\(votePolicy)") }
        return settings
    }

    /// The plan a script header describes (`# mode: cluster nodes=3 heartbeat=50ms ...`):
    /// `nodes`, `mechanism`, `quorum`, `heartbeat`, `electionTimeout` (MIN-MAX), `batchWindow`,
    /// `compression` (true/false), `snapshotInterval`, `votePolicy` (auto/manual).
    /// - Throws: ``ReplError`` naming the setting and what it takes.
    public static func from(settings: [String: String]) throws(ReplError) -> ClusterPlan {
        var plan = ClusterPlan()
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "nodes":
                guard let n = Int(value) else { throw ReplError("nodes: a whole number, not '\(value)'") }
                plan.nodes = n
            case "mechanism": plan.mechanism = value
            case "quorum":
                guard let q = Double(value) else { throw ReplError("quorum: a fraction, as 0.51, not '\(value)'") }
                plan.quorum = q
            case "heartbeat": plan.heartbeat = value
            case "electionTimeout": plan.electionTimeout = value
            case "batchWindow": plan.batchWindow = value
            case "compression":
                guard let b = Bool(value) else { throw ReplError("compression: true or false, not '\(value)'") }
                plan.compression = b
            case "snapshotInterval":
                guard let n = Int(value) else { throw ReplError("snapshotInterval: a whole number of entries, not '\(value)'") }
                plan.snapshotInterval = n
            case "votePolicy": plan.votePolicy = value
            default:
                throw ReplError("unknown setting '\(key)': a cluster takes nodes, mechanism, quorum, heartbeat, electionTimeout, batchWindow, compression, snapshotInterval and votePolicy")
            }
        }
        if let problem = plan.problem { throw ReplError(problem.replacingOccurrences(of: "--", with: "")) }
        return plan
    }
}
