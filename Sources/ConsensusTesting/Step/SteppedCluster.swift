import Consensus
import ConsensusCore
import ConsensusStorage

/// A cluster of real ``NodeStateMachine``s in one process, driven by hand: the REPL's step
/// mode, and the engine behind exact transcripts in tests and tutorials.
///
/// Nothing happens on its own. Time moves only on ``StepCommand/tick(count:member:)``; a message
/// waits in flight until it is delivered or dropped; a member elects itself early only on
/// ``StepCommand/campaign(_:)``. Every message is shown when it is sent and when it is
/// delivered, with what each member did about it (role changes, log appends and truncations,
/// commit, applied entries, answers to clients). Each member persists to a disk of its own at
/// once; ``StepCommand/crash(_:)`` keeps only that disk.
///
/// The same ``SteppedClusterOptions`` and commands always give byte-identical transcripts: the
/// only randomness is the seeded generator, and members, messages and requests are always
/// visited in a fixed order.
///
/// ```swift
/// var cluster = try SteppedCluster(SteppedClusterOptions(seed: 7))
/// print(cluster.run(script: """
///     campaign n1
///     stabilize
///     put x 1
///     stabilize
///     status
///     """))
/// ```
public struct SteppedCluster: Sendable {
    /// What the cluster was built with.
    public let options: SteppedClusterOptions
    let configuration: ConsensusConfiguration
    var rng: SplitMix64
    /// The members (their machines, absent while crashed, and their disks), in name order.
    var members: [SimulatedMember]
    /// What the transcript last showed of each running member.
    var views: [MemberView?]
    /// Each member's clock, in ticks of its machine (two per heartbeat interval).
    var clocks: [UInt64]
    /// When each member asked to be woken up, on its clock.
    var wakeUps: [UInt64?]
    var network = StepNetwork()
    /// The sides of the current partition, by name (empty: none).
    var partitionSides: [[String]] = []
    var clients = StepClients()
    /// Every election seen, for ``StepCommand/why(term:)``.
    var elections = ElectionJournal()
    /// Events of the command being run.
    var out: [StepEvent] = []

    /// Builds and starts every member.
    /// - Parameter options: the members, mechanism, timing and seed.
    /// - Throws: ``ConsensusError/invalidConfiguration(field:reason:)`` naming a bad option.
    public init(_ options: SteppedClusterOptions) throws(ConsensusError) {
        try options.validate()
        self.options = options
        self.configuration = options.configuration
        self.rng = SplitMix64(seed: options.seed)
        self.members = options.memberNames.map { SimulatedMember(name: $0) }
        self.views = Array(repeating: nil, count: options.members)
        self.clocks = Array(repeating: 0, count: options.members)
        self.wakeUps = Array(repeating: nil, count: options.members)
        for i in members.indices { boot(i) }
        out = []
    }

    // MARK: - Looking in

    /// The members' names, in order.
    public var memberNames: [String] { members.map(\.name) }

    /// Member `name`'s state machine (`nil`: unknown name, or crashed).
    public func machine(_ name: String) -> NodeStateMachine? {
        index(of: name).flatMap { members[$0].machine }
    }

    /// The member that leads in the highest term, if any.
    public var leader: String? {
        var best: (term: Term, index: Int)?
        for i in members.indices {
            guard let r = members[i].machine?.raft, r.isLeader else { continue }
            if best == nil || r.term > best!.term { best = (r.term, i) }
        }
        return best.map { members[$0.index].name }
    }

    /// The messages in flight, oldest first.
    public var inFlight: [StepMessage] { network.queue.map(stepMessage) }

    /// The client operations so far, as the checker sees them (requests refused before
    /// reaching a log are left out; pending ones count as unknown).
    public var history: [HistoryOperation] { clients.history.operations }

    // MARK: - Running commands

    /// Runs one command.
    /// - Parameter command: what the learner asked for.
    /// - Returns: what happened, in order (see ``StepEvent``).
    public mutating func run(_ command: StepCommand) -> [StepEvent] {
        out = []
        switch command {
        case let .tick(count, member): tick(count, member: member)
        case .deliver(let filter): deliver(filter)
        case .drop(let filter): drop(filter)
        case .step: step()
        case .stabilize: stabilize()
        case .campaign(let member): campaign(member)
        case .crash(let member): crash(member)
        case .restart(let member): restart(member)
        case .partition(let sides): partition(sides)
        case .heal: heal()
        case let .request(request, member): send(request, to: member)
        case .status: out += status().map(StepEvent.report)
        case .debug(let member): debug(member)
        case .messages: out += messageReport().map(StepEvent.report)
        case .history: out += clients.report().map(StepEvent.report)
        case .check: out += [.report(check().line)]
        case .why(let term): out += elections.explain(term: term, voters: members.count).map(StepEvent.report)
        }
        deliverBackground()
        defer { out = [] }
        return out
    }

    /// Parses and runs one line (see ``StepCommand/init(parsing:)``).
    /// - Parameter line: a command as a learner types it.
    /// - Returns: the transcript lines (an `error:` line for a line that does not parse).
    public mutating func run(line: String) -> [String] {
        switch StepCommand.parse(line) {
        case .success(let command): return run(command).map(\.description)
        case .failure(let error): return [StepEvent.refused(error.message).description]
        }
    }

    /// Runs a script, one command a line (blank lines and `#` comments are skipped), and
    /// returns the transcript: each command echoed as `> command`, then its lines. This is the
    /// form transcript tests and tutorials check.
    /// - Parameter script: the commands.
    /// - Returns: the whole transcript, lines joined by newlines.
    public mutating func run(script: String) -> String {
        var lines: [String] = []
        for raw in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = StepCommand.trimmed(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            lines.append("> " + line)
            lines += run(line: line)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Members

    /// The index of a member named `n1`, `1` or `leader`.
    func index(of name: String) -> Int? {
        if name == "leader" { return leader.flatMap { index(of: $0) } }
        if let i = members.firstIndex(where: { $0.name == name }) { return i }
        if let n = Int(name), (1...members.count).contains(n) { return n - 1 }
        return nil
    }

    /// The index of `name`, or `nil` after saying why in the transcript.
    mutating func resolve(_ name: String) -> Int? {
        if let i = index(of: name) { return i }
        if name == "leader" {
            out.append(.refused("no member leads right now (try status, or campaign a member)"))
        } else {
            out.append(.refused("no member \(name.debugDescription): the members are \(memberNames.joined(separator: " ")) (or leader)"))
        }
        return nil
    }

    /// Member `i`'s time, as its machine sees it.
    func machineTime(_ i: Int) -> Duration { configuration.tickInterval * Int(clocks[i]) }

    /// Starts member `i` from its disk (empty the first time).
    mutating func boot(_ i: Int) {
        members[i].machine = NodeStateMachine(nodeID: members[i].name, configuration: configuration, seed: rng.fork())
        members[i].boots += 1
        let restored = members[i].restoredState(options.mechanism)
        views[i] = restored.map(MemberView.init(restored:))
        wakeUps[i] = nil
        feed(i, .start(restored))
    }

    /// Hands member `i` one input, performs what it asks (persisting at once), and records what
    /// changed.
    mutating func feed(_ i: Int, _ input: NodeInput) {
        guard members[i].machine != nil else { return }
        var inputs = [input]
        var effects: [StepEvent] = []
        while !inputs.isEmpty, var machine = members[i].machine {
            let directives = machine.handle(inputs.removeFirst(), at: machineTime(i))
            members[i].machine = machine
            for d in directives {
                if perform(i, d, into: &effects) { inputs.append(.persisted) }
            }
        }
        guard let machine = members[i].machine else { return }
        let view = MemberView(machine, reusing: views[i])
        let before = views[i] ?? MemberView.empty(like: view)
        if (before.role, before.term) != (view.role, view.term) {
            elections.roleChanged(members[i].name, role: view.role, term: view.term)
        }
        out += before.changes(to: view, member: members[i].name)
        views[i] = view
        out += effects
    }

    /// Performs one directive of member `i`; returns whether it was a write now durable (the
    /// machine must then hear ``NodeInput/persisted``).
    private mutating func perform(_ i: Int, _ directive: NodeDirective, into effects: inout [StepEvent]) -> Bool {
        switch directive {
        case .persist(let batch):
            members[i].unsynced = batch
            members[i].writeUnsynced()
            return true
        case .saveSnapshot(let snapshot):
            members[i].disk?.compact(snapshot)
        case let .send(to, message):
            guard let j = members.firstIndex(where: { $0.name == to }) else { return false }
            let m = StepNetwork.InFlight(from: i, to: j, message: message)
            // A crashed member accepts no connection: what is sent to it is lost at once.
            let lost = !members[j].isUp ? "\(to) is down" : network.send(m) ? nil : "\(members[i].name) and \(to) are partitioned"
            if !StepNetwork.isBackground(message) || options.showsFailureDetector {
                effects.append(.sent(stepMessage(m), lost: lost))
            }
            if let lost { recordBallot(stepMessage(m), .none("it never got the request: " + lost)) }
        case let .answer(id, result):
            let note = clients.waiting(id).flatMap { staleness(of: $0.request, on: i) }
            if let event = clients.answered(id, result, by: members[i].name, note: note, at: historyTime()) { effects.append(event) }
        case .emit(let event):
            if let what = Self.noticed(event) { effects.append(.noticed(member: members[i].name, what: what)) }
        case .wakeUp(let after):
            let ticks = UInt64(max(1, (after / configuration.tickInterval).rounded(.up)))
            wakeUps[i] = min(wakeUps[i] ?? .max, clocks[i] + ticks)
        case .halted(let error):
            effects.append(.noticed(member: members[i].name, what: "halts: \(error)"))
        }
        return false
    }

    /// The failure detector's events, as the transcript says them; the others are shown by
    /// their effects (role changes, appends, answers).
    static func noticed(_ event: ConsensusEvent) -> String? {
        switch event {
        case .nodeUnreachable(let peer): return "cannot hear \(peer)"
        case .nodeReconnected(let peer): return "hears \(peer) again"
        case .partitionDetected(let p):
            return "sees a partition: \(p.side.rawValue) side, reaches \(p.reachable.joined(separator: " ")), not \(p.unreachable.joined(separator: " "))"
        case .partitionHealed: return "sees the partition healed"
        default: return nil
        }
    }

    func stepMessage(_ m: StepNetwork.InFlight) -> StepMessage {
        StepMessage(from: members[m.from].name, to: members[m.to].name, message: m.message)
    }

    /// The history's clock: the latest member clock, in milliseconds × 1 000 000, plus a
    /// sequence number, so that events within one millisecond stay ordered.
    mutating func historyTime() -> Int64 {
        clients.nextEvent()
        let milliseconds = (configuration.tickInterval * Int(clocks.max() ?? 0)).wholeMilliseconds
        return milliseconds * StepClients.timeUnitsPerMillisecond + clients.events
    }
}

extension MemberView {
    /// A view with nothing in it, to describe a member's first state from.
    static func empty(like view: MemberView) -> MemberView {
        var v = view
        v.role = "follower"
        v.term = 0
        v.leader = nil
        v.commit = 0
        v.applied = 0
        v.snapshotIndex = 0
        v.firstIndex = 1
        v.entries = []
        return v
    }

    /// What a member restarting from `state` holds before it does anything: its disk's term,
    /// commit index and log, and a state machine at the snapshot (committed entries are applied
    /// again, and the transcript shows it).
    init(restored state: PersistentState) {
        role = "follower"
        term = state.hardState.term
        leader = nil
        commit = state.hardState.commit
        snapshotIndex = state.snapshot.metadata.index
        applied = snapshotIndex
        firstIndex = snapshotIndex + 1
        entries = state.entries.map { LoggedEntry(term: $0.term, text: StepFormat.entry($0)) }
    }
}
