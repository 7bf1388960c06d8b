import Consensus
import ConsensusTesting

/// The step mode's session (`consensus repl --simulated`): a ``SteppedCluster`` in this process
/// that moves only when the learner says so, every message shown. Runs the step-mode command
/// language (see ``StepCommand``) plus the session's own commands: `help`, `leader`, `nodes`,
/// `save <file>`, `quit`. The same options and lines always print the same bytes.
public actor StepSession: LineInterpreter {
    var cluster: SteppedCluster
    var script: SessionScript
    var keys: Set<String> = []

    /// Builds the cluster.
    /// - Throws: ``ConsensusError/invalidConfiguration(field:reason:)`` naming a bad option.
    public init(options: SteppedClusterOptions) throws(ConsensusError) {
        cluster = try SteppedCluster(options)
        script = SessionScript(mode: "simulated", settings: Self.settings(options))
    }

    /// The header settings that rebuild `options` (`seed=7 nodes=3`, plus the mechanism and
    /// quorum when not the defaults).
    static func settings(_ options: SteppedClusterOptions) -> [String] {
        var settings = ["seed=\(options.seed)", "nodes=\(options.members)"]
        if options.mechanism == .simpleMajority { settings += ["mechanism=simple_majority", "quorum=\(options.quorum)"] }
        let defaults = SteppedClusterOptions()
        if options.checkQuorum != defaults.checkQuorum { settings.append("checkQuorum=\(options.checkQuorum)") }
        if options.snapshotInterval != defaults.snapshotInterval { settings.append("snapshotInterval=\(options.snapshotInterval)") }
        return settings
    }

    /// The one line the REPL prints first.
    public nonisolated func greeting(_ options: SteppedClusterOptions) -> String {
        "Step mode: \(options.members) simulated \(options.mechanism == .raft ? "raft" : "simple_majority") members "
            + "(\(options.memberNames.joined(separator: " "))), seed \(options.seed). Nothing moves until you say so: "
            + "try 'campaign n1' then 'stabilize'. Type 'help' for commands."
    }

    public func completion() async -> ReplCompletion {
        var c = ReplCompletion(members: cluster.memberNames, keys: keys.sorted())
        c.commands = Self.words
        return c
    }

    public func shutdown() async {}

    /// Every command word of the step mode, for completion.
    static let words = StepCommand.words + ["kill", "leader", "nodes", "help", "save", "quit", "exit"]

    public func run(_ line: String) async -> ReplSession.LineResult {
        let words = StepCommand.tokens(line)
        guard let first = words.first?.lowercased(), !first.hasPrefix("#") else { return .init(text: "", failed: false, quit: false) }
        let rest = Array(words.dropFirst())
        switch first {
        case "quit", "exit": return .init(text: "", failed: false, quit: true)
        case "help": return reply(StepHelp.text(rest.first))
        case "save":
            guard rest.count == 1 else { return reply("error: usage: save <file>") }
            let saved = script.save(to: rest[0])
            return .init(text: saved.text, failed: saved.failed, quit: false)
        case "leader":
            return reply(cluster.leader.map { "leader: \($0) (term \(cluster.machine($0)?.raft?.term ?? 0))" } ?? "no member leads right now")
        case "nodes":
            return reply(cluster.memberNames.joined(separator: " "))
        case "trace":
            return reply("trace: the step mode always shows every message and every change, so there is nothing to switch")
        case "output":
            return reply("error: output: the step mode prints transcripts only (JSON output is for 'consensus repl' on processes)")
        case "watch":
            return reply("error: watch: time only moves when you tick it here; 'get <key>' after 'stabilize' shows the value")
        case "pause", "resume":
            return reply("error: \(first): nothing runs here unless you tick it or deliver to it; 'crash <member>' or 'partition <member>' cut one off")
        default:
            break
        }
        let result = reply(cluster.run(line: line).joined(separator: "\n"))
        // A saved session replays what worked; a command that said 'error:' changed nothing.
        if case .success(let command) = StepCommand.parse(line), !result.failed {
            script.commands.append(StepCommand.trimmed(Substring(line)))
            if case .request(let request, _) = command, let key = request.key { keys.insert(key) }
        }
        return result
    }

    private func reply(_ text: String) -> ReplSession.LineResult {
        .init(text: text, failed: text.hasPrefix("error:") || text.contains("\nerror:"), quit: false)
    }
}

extension StepRequest {
    /// The key, counter or lock the request names.
    var key: String? {
        switch self {
        case let .put(key, _), let .get(key, _), let .delete(key), let .compareAndSwap(key, _, _): return key
        case let .counterAdd(name, _), let .counterGet(name, _), let .lockAcquire(name, _, _),
             let .lockRenew(name, _, _, _), let .lockRelease(name, _, _): return name
        }
    }
}
