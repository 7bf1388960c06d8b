import Consensus
import ConsensusCore

/// Simulated clients: they send random put, get, delete, compare-and-swap, counter and lock
/// operations to whoever leads, through the runtime's own command format and key-value state
/// machine, and record what they see. At the end of the run the history must be linearizable.
///
/// A client has one operation outstanding at a time. It hears the answer only from the node it
/// asked, when that node applies the command (writes) or serves the read after a ReadIndex round
/// (reads). If that does not happen within `clientTimeoutTicks` (the node crashed, lost
/// leadership, the entry was overwritten), the outcome is unknown: it may or may not have taken
/// effect, and the checker allows both.
struct SimulatedClients: Sendable {
    enum Pending: Sendable {
        case command(ProposalID)
        case read(context: UInt64, key: String, counter: Bool)
    }

    struct Outstanding: Sendable {
        /// The operation's place in the history (`nil`: not recorded, e.g. the lesson's lock).
        var history: Int?
        var node: NodeID
        var deadline: UInt64
        var pending: Pending
    }

    var history = ClientHistory()
    var busy: [Int: Outstanding] = [:]
    var byProposal: [ProposalID: Int] = [:]
    var byRead: [UInt64: Int] = [:]
    /// Recipe commands whose client gave up on them: if a member applies one later, the history
    /// learns its outcome (the simulator sees every member; a real client could not).
    var unresolved: [ProposalID: Int] = [:]
    /// Recipe commands some member has applied: the answer, and when it was first applied.
    var firstApplied: [ProposalID: (command: Command, result: OperationResult, time: Int64)] = [:]
    var lastToken: [Int: UInt64] = [:]
    var recentValues: [String] = []
    var nextSequence: UInt64 = 1
    var nextContext: UInt64 = 1
    var completed = 0
}

extension Simulation {
    /// The history's clock: four phases per tick, so that an answer delivered during tick t is
    /// after every invocation made at the start of tick t and before those of tick t + 1.
    var clientTime: Int64 { Int64(now) * 4 + phase }

    static let registers = ["r0", "r1", "r2"]
    static let counters = ["c0", "c1"]
    static let lockName = "l0"

    mutating func runClients(_ profile: FaultProfile) throws(InvariantChecker.Violation) {
        guard options.clients > 0 else { return }
        phase = 0
        for c in 0..<options.clients {
            if let o = clients.busy[c], now >= o.deadline { giveUp(c) }
        }
        if options.recipes != nil { return try runRecipeClients(profile) }
        for c in 0..<options.clients where clients.busy[c] == nil && rng.chance(profile.clientRate) {
            // A client talks to any node that believes it leads: after a partition that can be a
            // deposed leader that has not noticed yet, which is exactly where stale reads hide.
            let leaders = nodes.indices.filter { nodes[$0].raft?.isLeader == true }
            guard !leaders.isEmpty else { continue }
            try issue(client: c, at: rng.pick(leaders))
        }
    }

    private mutating func giveUp(_ c: Int, refused: Bool = false) {
        guard let o = clients.busy.removeValue(forKey: c) else { return }
        if let h = o.history { clients.history.timeOut(h) }
        switch o.pending {
        case .command(let id):
            clients.byProposal[id] = nil
            if options.recipes != nil, let h = o.history {
                // Refused by the node: it reached no log. Otherwise some member may apply it later.
                if refused {
                    clients.history.discard(h)
                } else if let first = clients.firstApplied[id] {
                    // Some member applied it already (not the one the client asked, or too late).
                    resolveGivenUp(h, first.command, first.result, at: first.time)
                } else {
                    clients.unresolved[id] = h
                }
            }
        case .read(let context, _, _): clients.byRead[context] = nil
        }
        if options.recipes != nil {
            recipeAnswered(c, refused ? .notApplied("the node refused the proposal") : .unknown("no answer within \(options.clientTimeoutTicks) ticks"))
        }
    }

    private mutating func issue(client c: Int, at l: Int) throws(InvariantChecker.Violation) {
        let node = nodes[l].id
        let register = rng.pick(Self.registers), counter = rng.pick(Self.counters)
        let deadline = now + UInt64(options.clientTimeoutTicks)
        switch rng.int(in: 0...9) {
        case 4, 5, 7:
            // A linearizable read through ReadIndex.
            let isCounter = rng.chance(0.4)
            let key = isCounter ? counter : register
            let context = clients.nextContext
            clients.nextContext += 1
            let h = clients.history.invoke(client: c, isCounter ? .counterRead(key: key) : .get(key: key), at: clientTime)
            clients.busy[c] = .init(history: h, node: node, deadline: deadline, pending: .read(context: context, key: key, counter: isCounter))
            clients.byRead[context] = c
            do { try nodes[l].raft!.readIndex(context: context) } catch { giveUp(c) }
        default:
            let (operation, action) = randomWrite(client: c, register: register, counter: counter)
            send(client: c, operation, recording: action, to: l)
        }
        try drain(l, faults)
    }

    /// Client `c` sends `operation` to node `l` (which believes it leads), recording `action` in
    /// the history (unless `nil`). The answer comes when `l` applies it (or never: a timeout).
    /// Returns `false` if `l` refused it at once (it never entered the log).
    @discardableResult
    mutating func send(client c: Int, _ operation: StoreOperation, recording action: ModelAction?, to l: Int) -> Bool {
        let command = clientCommand(c, operation, at: l)
        let h = action.map { clients.history.invoke(client: c, $0, at: clientTime) }
        let deadline = now + UInt64(options.clientTimeoutTicks)
        clients.busy[c] = .init(history: h, node: nodes[l].id, deadline: deadline, pending: .command(command.id))
        clients.byProposal[command.id] = c
        do {
            try propose(command, at: l)
            return true
        } catch {
            // Refused at once: it never entered the log. Unknown is still a true statement.
            giveUp(c, refused: true)
            return false
        }
    }

    private mutating func randomWrite(client c: Int, register: String, counter: String) -> (StoreOperation, ModelAction) {
        switch rng.int(in: 0...6) {
        case 0, 1:
            let value = ConsensusValue.string("c\(c)-\(clients.nextSequence)")
            clients.recentValues.append(value.description)
            if clients.recentValues.count > 8 { clients.recentValues.removeFirst() }
            return (.put(key: register, value: value), .put(key: register, value: value.description))
        case 2:
            return (.delete(key: register), .delete(key: register))
        case 3:
            // Compare against a value that was written recently (or absent), so some succeed.
            let expectedText: String? = clients.recentValues.isEmpty || rng.chance(0.2) ? nil : rng.pick(clients.recentValues)
            let expected = expectedText.map { ConsensusValue.string(String($0.dropFirst().dropLast())) }
            let new = ConsensusValue.string("cas\(c)-\(clients.nextSequence)")
            clients.recentValues.append(new.description)
            if clients.recentValues.count > 8 { clients.recentValues.removeFirst() }
            return (.compareAndSwap(key: register, expected: expected, new: new),
                    .compareAndSwap(key: register, expected: expected?.description, new: new.description))
        case 4:
            let delta = Int64(rng.int(in: -2...5))
            return (.counterAdd(name: counter, delta: delta), .counterAdd(key: counter, delta: delta))
        case 5:
            // Leaders stamp commands with the tick they propose them in, so the store's clock is
            // in ticks: a grant lapses `ttl` ticks after the stamp of the entry that made it. In
            // the history's clock (four phases per tick) that is `4 * ttl`.
            let holder = "client-\(c)"
            let ttl = Int64(rng.int(in: 5...40))
            return (.lockAcquire(name: Self.lockName, holder: holder, ttlMilliseconds: ttl),
                    .lockAcquire(lock: Self.lockName, holder: holder, ttl: 4 * ttl))
        default:
            let holder = "client-\(c)"
            let token = clients.lastToken[c] ?? 1
            return (.lockRelease(name: Self.lockName, holder: holder, token: token),
                    .lockRelease(lock: Self.lockName, holder: holder, token: token))
        }
    }

    /// Client `c`'s next command, stamped by node `l` (which believes it leads).
    mutating func clientCommand(_ c: Int, _ operation: StoreOperation, at l: Int) -> Command {
        let id = ProposalID(node: 0xC11E_0000 + UInt64(c), sequence: clients.nextSequence)
        clients.nextSequence += 1
        return Command(id: id, time: stamp(l), operation: operation)
    }

    /// Hands `command` to node `l`'s core.
    mutating func propose(_ command: Command, at l: Int) throws {
        try nodes[l].raft!.propose(try CommandCodec.encode(command, compressAbove: nil))
    }

    /// The history learns the outcome of a command its client gave up on.
    private mutating func resolveGivenUp(_ h: Int, _ command: Command, _ result: OperationResult, at time: Int64) {
        // An unexpected result leaves the outcome unknown.
        guard let output = try? modelOutput(command, result) else { return }
        clients.history.resolve(h, output, at: time)
        recipeLedger.stats.resolvedUnknowns += 1
    }

    /// A node applied a command: if it is the node a client asked, the client hears the answer.
    mutating func clientCommandApplied(_ command: Command, _ result: OperationResult, at node: NodeID, index: LogIndex) throws(InvariantChecker.Violation) {
        if options.recipes != nil && clients.firstApplied[command.id] == nil {
            clients.firstApplied[command.id] = (command, result, clientTime)
            if let h = clients.unresolved.removeValue(forKey: command.id) { resolveGivenUp(h, command, result, at: clientTime) }
        }
        guard let c = clients.byProposal[command.id], let o = clients.busy[c], o.node == node else { return }
        if let h = o.history { clients.history.complete(h, try modelOutput(command, result), at: clientTime) }
        clients.busy[c] = nil
        clients.byProposal[command.id] = nil
        clients.completed += 1
        if options.recipes != nil {
            recipeAnswered(c, .applied(result, index: index), from: self.index(of: node))
        } else if case .lock(let grant?) = result {
            clients.lastToken[c] = grant.token
        }
    }

    /// What the history records as the answer to a client command.
    func modelOutput(_ command: Command, _ result: OperationResult) throws(InvariantChecker.Violation) -> ModelOutput {
        // The lesson's compare-and-swap is recorded as a swap, and tells its caller it won
        // whenever its unconditional put applied.
        if case (.put, .put) = (command.operation, result), options.recipes == .racyCAS { return .swapped(true) }
        return try Self.modelOutput(command.operation, result)
    }

    /// What a history records as the state machine's answer to `operation` (shared by the core
    /// simulator and the node simulator).
    static func modelOutput(_ operation: StoreOperation, _ result: OperationResult) throws(InvariantChecker.Violation) -> ModelOutput {
        switch (operation, result) {
        case (.put, .put(let previous)), (.delete, .delete(let previous)): return .replaced(previous: previous?.description)
        case (.compareAndSwap, .compareAndSwap(let succeeded, _)): return .swapped(succeeded)
        case (.counterAdd(let name, _), .counter(let values)):
            guard let value = values[name] else {
                throw .init(property: "client", detail: "counter result without its counter: \(result)")
            }
            return .counter(value)
        case (.counterBatch, .counter(let values)): return .counters(values)
        case (.lockAcquire, .lock(let grant)), (.lockRenew, .lock(let grant)): return grant.map { .granted(token: $0.token) } ?? .refused
        case (.lockRelease, .lockReleased(let freed)): return .released(freed)
        default: throw .init(property: "client", detail: "unexpected result \(result) for \(operation)")
        }
    }

    /// Serves the ReadIndex reads whose index node `i` has applied.
    mutating func serveReads(_ i: Int) {
        guard !nodes[i].pendingReads.isEmpty else { return }
        let applied = nodes[i].appliedIndex
        var keep: [(context: UInt64, index: LogIndex)] = []
        for r in nodes[i].pendingReads {
            guard r.index <= applied else { keep.append(r); continue }
            guard let c = clients.byRead[r.context], let o = clients.busy[c], o.node == nodes[i].id,
                  case let .read(_, key, isCounter) = o.pending else { continue }
            let value = nodes[i].store.get(key)?.value
            let count: Int64 = value?.intValue.map { Int64($0) } ?? 0
            let output: ModelOutput = isCounter ? .counter(count) : .value(value?.description)
            clients.history.complete(o.history!, output, at: clientTime)
            clients.busy[c] = nil
            clients.byRead[r.context] = nil
            clients.completed += 1
        }
        nodes[i].pendingReads = keep
    }

    /// The end of the run: every client history must be linearizable.
    mutating func checkClientHistory() throws(InvariantChecker.Violation) {
        guard options.clients > 0 else { return }
        if options.recipes != nil {
            // The run is over: no member applies anything after this point, so a given-up
            // command that no member has applied never took effect in this run. (It could still
            // sit in a log and commit if the run went on; the history ends here, so dropping it
            // is exact for this history.)
            for (_, h) in clients.unresolved { clients.history.discard(h) }
            recipeLedger.stats.discardedUnknowns += clients.unresolved.count
            clients.unresolved = [:]
        }
        let (result, exploredStates) = LinearizabilityChecker(stateBudgetPerKey: options.checkerBudget,
                                                              lockLapse: options.storeClock == .wallClock ? .clockMayGoBack : .notBefore)
            .checkMeasuring(clients.history.operations)
        stats.checkerStates = exploredStates
        stats.clientOperations = clients.history.operations.count
        stats.clientCompleted = clients.completed
        if !result.isLinearizable {
            let unknown = clients.history.operations.filter { $0.outcome == .unknown }.count
            throw .init(property: "linearizability",
                        detail: "\(result.description) [\(clients.history.operations.count) operations, \(unknown) with unknown outcome]")
        }
        record("linearizable: \(clients.history.operations.count) client operations, \(clients.completed) answered")
    }
}
