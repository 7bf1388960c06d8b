import Consensus
import Foundation
import ConsensusTesting

/// Runs REPL lines against a ``ReplBackend``: parses, resolves `leader`, sends, formats, and
/// keeps the session's state (the output format, the keys seen for completion, the history
/// for `check`, the trace). The shell only reads lines and prints what comes back.
public actor ReplSession {
    /// What one line did.
    public struct LineResult: Sendable {
        /// What to print (empty: nothing).
        public var text: String
        /// Whether the command failed.
        public var failed: Bool
        /// Whether the session should end.
        public var quit: Bool
    }

    let backend: any ReplBackend
    let parser = ReplParser()
    /// Prints a line at any time (trace events, watched changes); the shell puts it above the prompt.
    let emit: @Sendable (String) -> Void
    let began = ContinuousClock.now
    public internal(set) var format: OutputFormat = .table
    public internal(set) var history = SessionHistory()
    var keys: Set<String> = []
    var members: [String] = []
    var lastLeader: String?
    /// Whether a leader was ever seen (raft): then having none means an election is under way.
    var sawLeader = false
    /// How long a command waits for an election before giving up.
    var leaderWait: Duration = .seconds(30)
    var trace: Task<Void, Never>?
    /// What the members' events said about elections, for `why` (collected from the first command on).
    var elections = EventElections()
    var electionWatch: Task<Void, Never>?
    /// The commands that worked, for `save`.
    var script: SessionScript

    /// Creates a session.
    /// - Parameters:
    ///   - backend: what commands run against.
    ///   - emit: prints a line that arrives while a command runs or the prompt waits.
    ///   - scriptSettings: what `save` writes in the script's header after `# mode: cluster`
    ///     (as `nodes=3`), so that `consensus run` starts a cluster like this one.
    public init(backend: any ReplBackend, scriptSettings: [String] = [], emit: @escaping @Sendable (String) -> Void) {
        self.backend = backend
        self.emit = emit
        self.script = SessionScript(mode: "cluster", settings: scriptSettings)
    }

    /// Starts collecting the members' election events for `why` (once).
    func watchElections() {
        guard electionWatch == nil else { return }
        let events = backend.events()
        electionWatch = Task { [weak self] in
            for await event in events {
                guard let self, !Task.isCancelled else { break }
                await self.note(event)
            }
        }
    }

    func note(_ event: ConsensusValue) { elections.add(event) }

    /// What tab completion offers: the members and the keys seen so far.
    public func completion() async -> ReplCompletion {
        watchElections()
        if members.isEmpty { members = await backend.memberIDs() }
        return ReplCompletion(members: members, keys: keys.sorted())
    }

    /// Parses and runs one line. Never throws: every problem is a line of output.
    public func run(_ line: String) async -> LineResult {
        watchElections()
        if members.isEmpty { members = await backend.memberIDs() }
        switch parser.parse(line) {
        case .failure(let error):
            return LineResult(text: render(.failure(error.message)), failed: true, quit: false)
        case .success(nil):
            return LineResult(text: "", failed: false, quit: false)
        case .success(let command?):
            if command == .quit { return LineResult(text: "", failed: false, quit: true) }
            let output = await execute(command)
            if !output.failed, SessionScript.isReplayed(line) { script.commands.append(line.trimmingCharacters(in: .whitespaces)) }
            return LineResult(text: render(output), failed: output.failed, quit: false)
        }
    }

    /// Stops the trace and whatever the backend started.
    public func shutdown() async {
        trace?.cancel()
        trace = nil
        electionWatch?.cancel()
        electionWatch = nil
        await backend.shutdown()
    }

    func render(_ output: ReplOutput) -> String { output.rendered(format) }

    /// Microseconds since the session began: the history's clock.
    func now() -> Int64 {
        let elapsed = ContinuousClock.now - began
        return elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
    }

    func execute(_ command: ReplCommand) async -> ReplOutput {
        switch command {
        case .status: return StatusView.status(await reports())
        case .nodes: return StatusView.nodes(await reports())
        case .leader: return StatusView.leaderLine(await reports())
        case .debug: return StatusView.debug(await reports())
        case .addNode(let id, let address):
            var started = ""
            var peer = address ?? ""
            if address == nil {
                do { peer = try await backend.startMember(id) } catch { return .failure(error.message) }
                members = await backend.memberIDs()
                started = "started \(id) (consensus node --join, peers at \(peer)); "
            }
            let added = await request(.addMember(id: id, address: peer), on: nil)
            guard !added.failed else { return added }
            return .message(started + "the cluster added it as a learner, let it catch up, and made it a voter")
        case .removeNode(let ref):
            // An id the cluster knows but this session did not start (a learner added by
            // address, say) can be removed too: the cluster decides.
            if case .id(let id) = ref, !members.contains(id) { return await request(.removeMember(id: id), on: nil) }
            switch await resolve(ref) {
            case .success(let id): return await request(.removeMember(id: id), on: nil)
            case .failure(let error): return .failure(error.message)
            }
        case .transferLeader(let ref):
            switch await resolve(ref) {
            case .success(let id): return await request(.transferLeader(to: id), on: nil)
            case .failure(let error): return .failure(error.message)
            }
        case .request(let request, let on):
            return await self.request(request, on: on)
        case .watch(let key, let prefix, let on):
            return await watch(key: key, prefix: prefix, on: on)
        case .fault(let fault):
            return await perform(fault)
        case .trace(let on):
            return await setTrace(on)
        case .history:
            return history.listing
        case .check:
            return history.verdict()
        case .why(let term):
            let lines = elections.explain(term: term, members: members)
            return ReplOutput(text: lines.joined(separator: "\n"), json: ["why": .array(lines.map { .string($0) })])
        case .save(let path):
            let saved = script.save(to: path)
            return saved.failed ? .failure(String(saved.text.dropFirst("error: ".count))) : .message(saved.text)
        case let .optimisticAdd(key, delta, on):
            return await optimisticAdd(key: key, delta: delta, on: on)
        case .output(let format):
            self.format = format
            return .message("output: \(format.rawValue)")
        case .help(let word):
            guard let word else { return .message(ReplHelp.overview) }
            switch ReplHelp.help(word) {
            case .success(let text): return .message(text)
            case .failure(let error): return .failure(error.message)
            }
        case .quit:
            return .message("")
        case .notYet(_, let reason):
            return .failure(reason)
        }
    }

    func reports() async -> [MemberReport] {
        let reports = await backend.reports()
        members = reports.map(\.id)
        lastLeader = StatusView.leader(reports)?.id ?? lastLeader
        if lastLeader != nil { sawLeader = true }
        return reports
    }
}
