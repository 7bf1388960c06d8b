import Consensus
import ConsensusCore

/// A deterministic simulation of a Raft cluster: real ``Raft`` cores, virtual time, and one seed
/// for everything (election timeouts, message loss, delay, duplication and reordering,
/// partitions, crashes, proposals, membership changes, leadership transfers).
///
/// After every tick it checks election safety, log matching, leader completeness and state
/// machine safety; after the fault phase it heals the world and checks liveness (a leader, and a
/// proposal committed on every member, within a bounded number of ticks). The same seed always
/// gives the same run and the same trace.
public struct Simulation: Sendable {
    public let options: SimulationOptions
    public private(set) var faults: FaultProfile
    public private(set) var now: UInt64 = 0
    public private(set) var trace: SimulationTrace

    var rng: SplitMix64
    var nodes: [SimulatedNode] = []
    var network = SimulatedNetwork()
    var checker = InvariantChecker()
    var nextNodeID: NodeID
    var nextProposal: UInt64 = 1
    var swizzle: Swizzle?
    var clients = SimulatedClients()
    /// With ``SimulationOptions/recipes``: each client's recipe state, and what they did.
    var recipeClients: [RecipeClient] = []
    var recipeLedger = RecipeLedger()
    /// The commit index the trace has reported.
    var reportedCommit: LogIndex = 0
    /// Where in the tick we are, for the client history's clock.
    var phase: Int64 = 0
    /// Nodes that were members of a committed configuration at some point.
    var committedMembers: Set<NodeID> = []
    var stats = SimulationSummary()

    /// Creates a run; `onTrace` receives every trace line as it happens.
    public init(_ options: SimulationOptions, onTrace: (@Sendable (String) -> Void)? = nil) {
        precondition(options.nodes >= 1, "a cluster needs at least one node")
        var options = options
        var rng = SplitMix64(seed: options.seed)
        self.faults = options.faults ?? FaultProfile.mixed(&rng)
        if options.varyFlowControl {
            options.raft.maxBytesPerMessage = rng.pick([40, 100, 512, 4096])
            options.raft.maxInflightMessages = rng.pick([1, 2, 8, 64])
        }
        self.options = options
        self.rng = rng
        self.trace = SimulationTrace(limit: options.traceLimit)
        self.trace.sink = onTrace
        let voters = Set((1...NodeID(options.nodes)))
        for id in voters.sorted() {
            var node = SimulatedNode(id: id, storage: .bootstrap(voters: voters))
            if options.fileStorage { node.files = FileDisk(directory: "/node-\(id)", initial: .bootstrap(voters: voters)) }
            try? node.boot(options: options.raft, seed: self.rng.fork())
            nodes.append(node)
        }
        nextNodeID = NodeID(options.nodes) + 1
        recipeClients = Array(repeating: RecipeClient(), count: options.clients)
    }

    // MARK: - Running

    /// Runs the fault phase and then the liveness phase.
    public mutating func run() throws(SimulationFailure) -> SimulationSummary {
        record("start seed=\(options.seed) nodes=\(options.nodes) steps=\(options.steps) faults=\(describe(faults)) "
            + "maxBytesPerMessage=\(options.raft.maxBytesPerMessage) maxInflight=\(options.raft.maxInflightMessages)")
        do {
            for _ in 0..<options.steps { try step(faults) }
            try checkLiveness()
            try checkLockLiveness()
            try checkClientHistory()
            try checkRecipes()
        } catch let v {
            var failure = SimulationFailure(seed: options.seed, tick: now, property: v.property, detail: v.detail,
                                            trace: trace.tail(80), nodes: options.nodes, steps: options.steps)
            failure.replayOptions = options.replayOptions
            throw failure
        }
        stats.ticks = now
        stats.committed = checker.committedCount
        stats.messagesSent = network.sent
        stats.messagesDropped = network.dropped
        stats.traceDigest = trace.digest
        stats.traceLines = trace.count
        return stats
    }

    /// One tick: faults, due messages, a tick of every live node, and the checks.
    mutating func step(_ profile: FaultProfile) throws(InvariantChecker.Violation) {
        now += 1
        try injectFaults(profile)
        try runClients(profile)
        phase = 1
        for m in network.takeDue(now: now, reorder: profile.reorder, rng: &rng) {
            guard let i = index(of: m.to), nodes[i].isUp, !network.isCut(m.from, m.to) else { continue }
            if options.traceMessages { record("\(m)") }
            nodes[i].raft!.step(m)
            try drain(i, profile)
        }
        phase = 2
        for i in nodes.indices where nodes[i].isUp {
            nodes[i].leaderClock.tick()
            nodes[i].raft!.tick()
            try drain(i, profile)
        }
        reportCommits()
    }

    /// Performs every pending batch of work of node `i`, checking what it persists, commits and
    /// applies.
    mutating func drain(_ i: Int, _ profile: FaultProfile) throws(InvariantChecker.Violation) {
        guard var raft = nodes[i].raft else { return }
        let id = nodes[i].id
        defer { if nodes[i].raft != nil { nodes[i].raft = raft } }
        while raft.hasReady {
            let rd = raft.ready()
            if let soft = rd.softState { try roleChanged(i, soft, raft) }
            // A leader's replication leaves before its own write (§10.2.1): a power cut below
            // may then lose entries that followers already hold.
            for m in rd.messagesBeforePersisting { network.send(m, now: now, faults: profile, rng: &rng) }
            // 1. Persist.
            // A power cut in the middle of the batch: only a prefix of its writes survive, and
            // nothing of the batch was applied, nor sent but a leader's replication.
            let records = (rd.snapshot == nil ? 0 : 1) + rd.entries.count + (rd.hardState == nil ? 0 : 1)
            if records > 0 && rng.chance(profile.tornWrite) {
                if nodes[i].files != nil {
                    nodes[i].files!.cutPowerAtNextSync()
                    try? nodes[i].files!.persist(rd)
                    record("n\(id) loses power while writing \(records) records")
                } else {
                    let keep = rng.int(in: 0...max(0, records - 1))
                    nodes[i].disk.persist(rd, keep: keep)
                    record("n\(id) loses power while writing: \(keep) of \(records) records reached the disk")
                }
                crashNode(i)
                return
            }
            try checker.persisted(id, rd.entries) { raft.term(at: $0) }
            if nodes[i].files != nil {
                do {
                    try nodes[i].files!.persist(rd)
                } catch {
                    throw .init(property: "durability", detail: "n\(id) could not persist on a healthy disk: \(error)")
                }
            } else {
                nodes[i].disk.persist(rd)
            }
            // Whatever the node now counts as committed must agree with the committed log.
            if raft.commitIndex > nodes[i].knownCommit {
                let from = max(nodes[i].knownCommit + 1, raft.firstIndex)
                if from <= raft.commitIndex { try checker.committed(id, raft.entries(in: from...raft.commitIndex)) }
                nodes[i].knownCommit = raft.commitIndex
                if raft.isLeader { stats.leaderCommits += 1 }
            }
            if rng.chance(profile.crashMidReady) {
                record("n\(id) crashes after persisting, before sending \(rd.messagesAfterPersisting.count) messages")
                crashNode(i)
                return
            }
            // 2. Send.
            for m in rd.messagesAfterPersisting { network.send(m, now: now, faults: profile, rng: &rng) }
            // 3. Apply.
            if let snap = rd.snapshot {
                guard let decoded = SimulatedNode.decodeSnapshot(snap.data) else {
                    throw .init(property: "state machine safety", detail: "n\(id) received an undecodable snapshot")
                }
                try checker.installed(id, index: decoded.index, state: decoded.state)
                nodes[i].appliedIndex = decoded.index
                nodes[i].state = decoded.state
                nodes[i].store = decoded.store
                nodes[i].snapshotIndex = decoded.index
                record("n\(id) installs snapshot at \(decoded.index)")
            }
            for e in rd.committedEntries {
                let after = InvariantChecker.fold(nodes[i].state, InvariantChecker.digest(e))
                try checker.applied(id, e, appliedBefore: nodes[i].appliedIndex, stateAfter: after)
                nodes[i].state = after
                nodes[i].appliedIndex = e.index
                if let (command, result) = nodes[i].applyToStore(e) {
                    try clientCommandApplied(command, result, at: id, index: e.index)
                }
            }
            nodes[i].leaderClock.applied(storeClock: nodes[i].store.clock)
            for rs in rd.readStates { nodes[i].pendingReads.append((rs.context, rs.index)) }
            serveReads(i)
            raft.advance(rd)
            // Compaction.
            if nodes[i].appliedIndex >= nodes[i].snapshotIndex + LogIndex(profile.snapshotEvery) {
                let data = SimulatedNode.encodeSnapshot(index: nodes[i].appliedIndex, state: nodes[i].state, store: nodes[i].store)
                if let snap = raft.compact(upTo: nodes[i].appliedIndex, snapshotData: data) {
                    if nodes[i].files != nil {
                        do {
                            try nodes[i].files!.compact(snap)
                        } catch {
                            throw .init(property: "durability", detail: "n\(id) could not save a snapshot on a healthy disk: \(error)")
                        }
                    } else {
                        nodes[i].disk.compact(snap)
                    }
                    nodes[i].snapshotIndex = snap.metadata.index
                }
            }
        }
    }

    private mutating func roleChanged(_ i: Int, _ soft: SoftState, _ raft: Raft) throws(InvariantChecker.Violation) {
        let id = nodes[i].id
        if soft.role == .leader {
            try checker.leaderElected(id, term: soft.term)
            try checker.checkLeaderCompleteness(raft)
            stats.elections += 1
            record("n\(id) becomes leader term=\(soft.term) log=\(raft.lastIndex) commit=\(raft.commitIndex) \(raft.configuration)")
            // As the runtime does: from the latest stamp it knows, applied or still in its log.
            nodes[i].leaderClock.lead(from: LeaderClock.latestKnownStamp(store: nodes[i].store, raft: raft))
        } else if nodes[i].lastRole == .leader {
            record("n\(id) steps down term=\(soft.term)")
            nodes[i].leaderClock.follow()
        }
        nodes[i].lastRole = soft.role
    }

    // MARK: - Helpers

    func index(of id: NodeID) -> Int? {
        // Ids are dense and never reused: node `id` is at `id - 1`.
        let i = Int(id) - 1
        return i >= 0 && i < nodes.count ? i : nil
    }

    /// The node that is up and leads in the highest term, if any.
    var currentLeader: Int? {
        var best: Int?
        for i in nodes.indices {
            guard let r = nodes[i].raft, r.isLeader else { continue }
            if best == nil || r.term > nodes[best!].raft!.term { best = i }
        }
        return best
    }

    mutating func record(_ text: String) { trace.record(now, text) }

    /// The time node `i` stamps on a command it proposes as leader (the store's clock; lock
    /// expiry is judged against it). Ours counts the leader's ticks (``LeaderClock``, as the
    /// runtime does); ``StoreClockSource/wallClock`` stamps the node's stepping wall clock, as the
    /// first runtime did, to show what that breaks.
    mutating func stamp(_ i: Int) -> Int64 {
        switch options.storeClock {
        case .leaderTicks:
            return nodes[i].leaderClock.now
        case .wallClock:
            nodes[i].lastWallStamp = max(nodes[i].lastWallStamp, Int64(now) + nodes[i].wallOffset)
            return nodes[i].lastWallStamp
        }
    }

    /// One trace line per tick in which the cluster's commit index moved.
    private mutating func reportCommits() {
        let committed = checker.committedCount
        guard committed > reportedCommit else { return }
        let leader = currentLeader.map { "n\(nodes[$0].id)" } ?? "no leader now"
        let range = committed == reportedCommit + 1 ? "\(committed)" : "\(reportedCommit + 1)...\(committed)"
        record("committed \(range) (term \(checker.committedTerm(at: committed) ?? 0), \(leader))")
        reportedCommit = committed
    }

    func describe(_ f: FaultProfile) -> String {
        "drop=\(f.messageDrop) dup=\(f.messageDuplicate) delay=\(f.maxDelayTicks) partition=\(f.partition) crash=\(f.crash) "
            + "clockjump=\(f.clockJump) leadercrash=\(f.leaderCrash) midready=\(f.crashMidReady) torn=\(f.tornWrite) corrupt=\(f.diskCorruption) propose=\(f.propose) membership=\(f.membershipChange) transfer=\(f.leadershipTransfer) snapshotEvery=\(f.snapshotEvery)"
    }
}

/// What a run did.
public struct SimulationSummary: Sendable, Hashable {
    public var ticks: UInt64 = 0
    public var committed: LogIndex = 0
    public var elections = 0
    public var leaderCommits = 0
    public var crashes = 0
    public var partitions = 0
    public var membershipChanges = 0
    public var transfers = 0
    public var proposals = 0
    public var lostDisks = 0
    public var clientOperations = 0
    public var clientCompleted = 0
    /// The most states the linearizability checker explored on one resource of the history.
    public var checkerStates = 0
    /// With ``SimulationOptions/recipes``: which recipe scenarios the run went through.
    public var recipes = RecipeStatistics()
    public var messagesSent = 0
    public var messagesDropped = 0
    public var traceDigest: UInt64 = 0
    public var traceLines = 0
}
