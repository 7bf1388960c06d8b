import Consensus
import ConsensusCore

/// A simulated client: one request outstanding at a time, sent to any member.
struct NodeClient: Sendable {
    struct Outstanding: Sendable {
        var request: RequestID
        /// Its place in the history (raft), or `nil` (simple_majority, checked by the ledger).
        var history: Int?
        var member: Int
        var deadline: UInt64
        var operation: StoreOperation?
        var readsCounter = false
    }

    var outstanding: Outstanding?
    var sequence: UInt64 = 0
}

/// Clients: random puts, deletes, compare-and-swaps, counter adds and linearizable reads (raft),
/// or puts and deletes (simple_majority), to a random member. Answers come from that member only;
/// a client that hears nothing in time gives up and the outcome is unknown.
extension NodeSimulation {
    static let registers = ["r0", "r1", "r2"]
    static let counters = ["c0", "c1"]

    mutating func runClients(active: Bool) throws(InvariantChecker.Violation) {
        for c in clients.indices {
            if let o = clients[c].outstanding, now >= o.deadline { giveUp(c) }
        }
        guard active else { return }
        for c in clients.indices where clients[c].outstanding == nil && rng.chance(faults.clientRate) {
            let up = members.indices.filter { members[$0].isUp }
            guard !up.isEmpty else { continue }
            if let stuck, stuck.clients.contains(c) {
                // Stuck on the isolated old leader, reading.
                guard members[stuck.member].isUp else { continue }
                stats.staleLeaderReads += 1
                try issueRead(c, at: stuck.member)
                continue
            }
            let candidates = stuck.map { s in up.filter { $0 != s.member } } ?? up
            guard !candidates.isEmpty else { continue }
            let member = rng.pick(candidates)
            if options.mechanism == .raft, members[member].machine?.raft?.isLeader != true { stats.viaFollower += 1 }
            if options.mechanism == .raft && rng.int(in: 0...9) < 3 {
                try issueRead(c, at: member)
            } else {
                try issueWrite(c, at: member)
            }
        }
    }

    private mutating func newRequest(for c: Int) -> RequestID {
        nextRequest += 1
        let id = RequestID(nextRequest)
        requests[id] = c
        clients[c].sequence += 1
        stats.operations += 1
        return id
    }

    private mutating func issueRead(_ c: Int, at member: Int) throws(InvariantChecker.Violation) {
        let counter = rng.chance(0.4)
        let key = counter ? rng.pick(Self.counters) : rng.pick(Self.registers)
        let id = newRequest(for: c)
        let h = history.invoke(client: c, counter ? .counterRead(key: key) : .get(key: key), at: clientTime)
        clients[c].outstanding = .init(request: id, history: h, member: member, deadline: now + UInt64(options.clientTimeoutTicks),
                                       operation: nil, readsCounter: counter)
        try feed(member, .request(id, .read(key: key, consistency: .linearizable)))
    }

    private mutating func issueWrite(_ c: Int, at member: Int) throws(InvariantChecker.Violation) {
        let (operation, action) = randomWrite(c)
        let id = newRequest(for: c)
        let h = options.mechanism == .raft ? history.invoke(client: c, action, at: clientTime) : nil
        clients[c].outstanding = .init(request: id, history: h, member: member, deadline: now + UInt64(options.clientTimeoutTicks),
                                       operation: operation)
        if options.mechanism == .simpleMajority { majorityLedger.proposed(id, operation) }
        try feed(member, .request(id, .propose(operation)))
    }

    private mutating func randomWrite(_ c: Int) -> (StoreOperation, ModelAction) {
        let register = rng.pick(Self.registers)
        let value = ConsensusValue.string("c\(c)-\(clients[c].sequence)")
        let roll = options.mechanism == .raft ? rng.int(in: 0...5) : rng.int(in: 0...2)
        switch roll {
        case 0, 1:
            remember(value.description)
            return (.put(key: register, value: value), .put(key: register, value: value.description))
        case 2:
            return (.delete(key: register), .delete(key: register))
        case 3:
            let expectedText: String? = recentValues.isEmpty || rng.chance(0.2) ? nil : rng.pick(recentValues)
            let expected = expectedText.map { ConsensusValue.string(String($0.dropFirst().dropLast())) }
            remember(value.description)
            return (.compareAndSwap(key: register, expected: expected, new: value),
                    .compareAndSwap(key: register, expected: expected?.description, new: value.description))
        default:
            let counter = rng.pick(Self.counters)
            let delta = Int64(rng.int(in: -2...5))
            return (.counterAdd(name: counter, delta: delta), .counterAdd(key: counter, delta: delta))
        }
    }

    private mutating func remember(_ value: String) {
        recentValues.append(value)
        if recentValues.count > 8 { recentValues.removeFirst() }
    }

    /// Client `c` stops waiting: the outcome is unknown.
    mutating func giveUp(_ c: Int) {
        guard let o = clients[c].outstanding else { return }
        clients[c].outstanding = nil
        requests[o.request] = nil
        if let h = o.history { history.timeOut(h) }
        stats.unknown += 1
    }

    /// Member `i` answered a request.
    mutating func answered(_ request: RequestID, _ result: Result<NodeResponse, ConsensusError>, by i: Int) throws(InvariantChecker.Violation) {
        guard let c = requests.removeValue(forKey: request), let o = clients[c].outstanding, o.request == request else { return }
        guard o.member == i else {
            throw .init(property: "routing", detail: "\(members[i].name) answered \(request), which was sent to \(members[o.member].name)")
        }
        clients[c].outstanding = nil
        if o.history == nil { lastUncheckedAnswer = "\(result)" }
        if options.mechanism == .simpleMajority {
            return try majorityAnswered(o, result, by: i)
        }
        guard let h = o.history else { return }
        switch try ClientAnswer.of(result, to: request, operation: o.operation, readsCounter: o.readsCounter) {
        case .ok(let output):
            history.complete(h, output, at: clientTime)
            stats.completed += 1
        case .unknown:
            unanswered(h, unknown: true)
        case .refused:
            unanswered(h, unknown: false)
        }
    }

    /// Operation `h` got no result: its outcome is unknown, or (the error code promises it) it
    /// was refused before reaching the log and had no effect.
    private mutating func unanswered(_ h: Int, unknown: Bool) {
        history.timeOut(h)
        if unknown {
            stats.unknown += 1
        } else {
            history.discard(h)
            stats.refused += 1
        }
    }
}
