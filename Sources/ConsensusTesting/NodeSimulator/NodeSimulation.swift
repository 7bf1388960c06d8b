import Consensus
import ConsensusCore
import ConsensusNetwork
import ConsensusStorage

/// A deterministic simulation of a cluster of ``NodeStateMachine``s: the very logic that runs in
/// ``ConsensusTrait`` and in node processes (routing, forwarding, re-sends, batching, ReadIndex,
/// exactly-once, simple_majority rounds, the failure detector), driven with virtual time and
/// seeded faults (drops, duplicates, delays, reordering, partitions, crashes that lose unsynced
/// writes, restarts).
///
/// Simulated clients send requests to **any** member, followers included, and give up after a
/// timeout (the outcome is then unknown). After every input it checks election safety, log
/// matching and state machine safety; at the end, raft client histories must be linearizable,
/// and simple_majority must keep its promises: a proposal is accepted only with
/// `ceil(quorum × members)` votes, and once healed every member holds the same value per key.
/// The same seed always replays the same run.
public struct NodeSimulation: Sendable {
    public let options: NodeSimulationOptions
    public private(set) var now: UInt64 = 0
    public private(set) var trace: SimulationTrace

    let configuration: ConsensusConfiguration
    var rng: SplitMix64
    var faults: NodeFaults
    /// The weather of the current tick (the run's faults, or calm).
    var weather: NodeFaults
    var members: [SimulatedMember] = []
    var network = NodeNetwork()
    var checker = InvariantChecker()
    var wakeUps: [Int: UInt64] = [:]
    var clients: [NodeClient]
    var history = ClientHistory()
    var requests: [RequestID: Int] = [:]
    var nextRequest: UInt64 = 0
    var recentValues: [String] = []
    var majorityLedger = MajorityLedger()
    /// With ``NodeSimulationOptions/Weather/stuckClients``: the isolated old leader and the
    /// clients stuck on it.
    var stuck: (member: Int, clients: Set<Int>)?
    var stats = NodeSimulationSummary()
    /// The last answer to a request outside the history (the liveness write), for failures.
    var lastUncheckedAnswer: String?
    var phase: Int64 = 0

    /// Milliseconds of machine time per tick.
    static let tickMilliseconds: Int64 = 10

    /// Creates a run; `onTrace` receives every trace line as it happens.
    public init(_ options: NodeSimulationOptions, onTrace: (@Sendable (String) -> Void)? = nil) {
        precondition(options.members >= 1, "a cluster needs at least one member")
        self.options = options
        var rng = SplitMix64(seed: options.seed)
        self.faults = options.weather == .stuckClients ? .stuckClients : .mixed(&rng, mechanism: options.mechanism)
        let names = (1...options.members).map { "m\($0)" }
        var c: ConsensusConfiguration = options.mechanism == .raft
            ? .raft(timeout: .milliseconds(400), heartbeatInterval: .milliseconds(20),
                    electionTimeout: .milliseconds(150)...(.milliseconds(300)), batchUpdates: rng.chance(0.5),
                    batchWindow: .milliseconds(10), snapshotInterval: rng.pick([0, 25, 100]))
            : .simpleMajority(timeout: .milliseconds(300), quorum: options.quorum)
        c.heartbeatInterval = .milliseconds(20)
        c.bootstrap = .newCluster(members: names.map { NodeInfo(id: $0) })
        c.unreachableAfter = .milliseconds(100)
        if options.weather == .stuckClients {
            c.checkQuorum = false
            c.unreachableAfter = .seconds(3_600)
        }
        self.configuration = c
        self.weather = faults
        self.rng = rng
        self.trace = SimulationTrace(limit: options.traceLimit)
        self.trace.sink = onTrace
        self.members = names.map { SimulatedMember(name: $0) }
        self.clients = Array(repeating: NodeClient(), count: options.clients)
    }

    /// The virtual time of the current tick, as the machines see it.
    var time: Duration { .milliseconds(Int64(now) * Self.tickMilliseconds) }

    // MARK: - Running

    /// Runs the fault phase, a calm phase, and the checks.
    public mutating func run() throws(NodeSimulationFailure) -> NodeSimulationSummary {
        record("start seed=\(options.seed) mechanism=\(options.mechanism.rawValue) members=\(options.members) clients=\(options.clients) weather=\(options.weather.rawValue) \(faults)")
        do {
            for i in members.indices { try boot(i) }
            for _ in 0..<options.steps { try step(faults, clientsActive: true) }
            try calmDown()
            try checkEnd()
        } catch let v {
            throw NodeSimulationFailure(seed: options.seed, tick: now, property: v.property, detail: v.detail,
                                        trace: trace.tail(80), replay: replayLine)
        }
        stats.ticks = now
        stats.traceDigest = trace.digest
        return stats
    }

    /// The command that replays this run.
    public var replayLine: String {
        var line = "consensus sim --node --seed \(options.seed) --nodes \(options.members) --clients \(options.clients) --steps \(options.steps)"
        if options.mechanism == .simpleMajority { line += " --mechanism simple_majority" }
        if options.weather != .mixed { line += " --weather \(options.weather.rawValue)" }
        return line
    }

    /// One tick: faults, clients, due messages, due writes, wake-ups and a tick of every member.
    mutating func step(_ f: NodeFaults, clientsActive: Bool) throws(InvariantChecker.Violation) {
        now += 1
        weather = f
        phase = 0
        try injectFaults(f)
        try runClients(active: clientsActive)
        phase = 1
        for m in network.takeDue(now: now, reorder: f.reorder, rng: &rng) {
            guard members[m.to].isUp, !network.isCut(m.from, m.to) else { continue }
            if options.traceMessages { record("\(members[m.from].name)->\(members[m.to].name) \(m.message.summary)") }
            try feed(m.to, .message(from: members[m.from].name, m.message))
        }
        phase = 2
        for i in members.indices where members[i].unsynced != nil && !rng.chance(f.slowDisk) { try sync(i, f) }
        for (i, at) in wakeUps.sorted(by: { $0.key < $1.key }) where at <= now {
            wakeUps[i] = nil
            try feed(i, .wakeUp)
        }
        for i in members.indices where members[i].isUp { try feed(i, .tick) }
    }

    /// Hands member `i` one input and performs what it asks.
    mutating func feed(_ i: Int, _ input: NodeInput) throws(InvariantChecker.Violation) {
        guard var machine = members[i].machine else { return }
        let directives = machine.handle(input, at: time)
        members[i].machine = machine
        if options.traceMessages, case .request(let id, let request) = input {
            record("\(members[i].name) <- \(id) \(request): " + directives.map(\.description).joined(separator: "; "))
        }
        try perform(i, directives)
        try checkCommits(i)
    }

    private mutating func perform(_ i: Int, _ directives: [NodeDirective]) throws(InvariantChecker.Violation) {
        let id = members[i].id
        for d in directives {
            switch d {
            case .persist(let batch):
                let raft = members[i].machine?.raft
                try checker.persisted(id, batch.entries) { raft?.term(at: $0) }
                members[i].unsynced = batch
            case .saveSnapshot(let snapshot):
                members[i].disk?.compact(snapshot)
            case let .send(to, message):
                guard let j = members.firstIndex(where: { $0.name == to }) else { continue }
                network.send(from: i, to: j, message, now: now, faults: weather, rng: &rng)
            case let .answer(request, result):
                try answered(request, result, by: i)
            case .emit(let event):
                try observe(event, at: i)
            case .wakeUp(let after):
                let ticks = UInt64(max(1, (after.wholeMilliseconds + Self.tickMilliseconds - 1) / Self.tickMilliseconds))
                wakeUps[i] = min(wakeUps[i] ?? .max, now + ticks)
            case .halted(let error):
                throw .init(property: "durability", detail: "\(members[i].name) halted on a healthy disk: \(error)")
            }
        }
    }

    /// Writes member `i`'s pending batch to its disk and tells it so; or, with the seed's bad luck,
    /// crashes it first (the batch is lost: it was never synced, nothing depending on it left).
    mutating func sync(_ i: Int, _ f: NodeFaults) throws(InvariantChecker.Violation) {
        while let batch = members[i].unsynced {
            if rng.chance(f.crashBeforeSync) {
                record("\(members[i].name) crashes before syncing \(batch.entries.count) entries")
                crash(i)
                return
            }
            members[i].writeUnsynced()
            try feed(i, .persisted)
        }
    }

    private mutating func observe(_ event: ConsensusEvent, at i: Int) throws(InvariantChecker.Violation) {
        switch event {
        case let .leaderElected(leader, term):
            let leaderID = NodeInfo.numericID(leader)
            try checker.leaderElected(leaderID, term: term)
            if leader == members[i].name, let raft = members[i].machine?.raft {
                try checker.checkLeaderCompleteness(raft)
                stats.elections += 1
                record("\(leader) leads term \(term) log=\(raft.lastIndex) commit=\(raft.commitIndex)")
            }
        case .partitionDetected(let p):
            record("\(members[i].name) sees a partition: \(p.side.rawValue) side, unreachable \(p.unreachable)")
        case .partitionHealed:
            record("\(members[i].name) sees the partition healed")
        default:
            break
        }
    }

    /// A member's commit index moved: the entries must agree with the one committed log, and a
    /// leader must hold every committed entry.
    private mutating func checkCommits(_ i: Int) throws(InvariantChecker.Violation) {
        guard let raft = members[i].machine?.raft else { return }
        guard raft.commitIndex > members[i].knownCommit else { return }
        let from = max(members[i].knownCommit + 1, raft.firstIndex)
        if from <= raft.commitIndex { try checker.committed(members[i].id, raft.entries(in: from...raft.commitIndex)) }
        members[i].knownCommit = raft.commitIndex
    }

    // MARK: - Lifecycle of members

    /// Starts member `i` from its disk (raft) or empty (simple_majority keeps nothing).
    mutating func boot(_ i: Int) throws(InvariantChecker.Violation) {
        members[i].boots += 1
        members[i].machine = NodeStateMachine(nodeID: members[i].name, configuration: configuration, seed: rng.fork())
        members[i].restartAt = nil
        members[i].knownCommit = members[i].disk?.snapshot.metadata.index ?? 0
        let restored = members[i].restoredState(options.mechanism)
        try feed(i, .start(restored))
        try sync(i, .calm)
    }

    /// Crashes member `i`: what it did not sync is lost; it restarts 5...60 ticks later.
    mutating func crash(_ i: Int) {
        members[i].machine = nil
        network.dropAll(to: i)
        members[i].unsynced = nil
        members[i].restartAt = now + UInt64(rng.int(in: 5...60))
        wakeUps[i] = nil
        if options.mechanism == .simpleMajority { members[i].disk = nil }
        stats.crashes += 1
    }

    /// The member that leads in the highest term, if any.
    var currentLeader: Int? {
        var best: Int?
        for i in members.indices {
            guard let r = members[i].machine?.raft, r.isLeader else { continue }
            if best == nil || r.term > members[best!].machine!.raft!.term { best = i }
        }
        return best
    }

    mutating func record(_ text: String) { trace.record(now, text) }

    /// The history's clock: three phases per tick (clients, messages, ticks).
    var clientTime: Int64 { Int64(now) * 4 + phase }
}
