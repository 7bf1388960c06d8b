@testable import Consensus
import ConsensusCore
import ConsensusNetwork

/// A deterministic driver for a few ``NodeStateMachine``s, for transcript tests: virtual time, one
/// FIFO queue of peer messages, links that can be cut, storage that is durable at once.
///
/// No clock, task or sleep. The test moves time by hand (``tick(_:)``, ``advance(by:)``); the
/// harness performs directives the way the real shell does: `persist` is followed at once by
/// `.persisted`, `send` queues the message (delivered by ``deliverAll()``), `answer` and `emit`
/// are recorded, `wakeUp(after:)` is fed when virtual time reaches it. Every input and directive
/// goes into ``transcript``, one line each (`n2 <- request req-1 ...`, `n2 -> send n1 Forward hops=0`).
final class NodeHarness {
    struct Sent {
        var from: String
        var to: String
        var message: PeerMessage
    }

    struct Answer {
        var node: String
        var id: RequestID
        var result: Result<NodeResponse, ConsensusError>
        /// The answering member's applied index when it answered.
        var appliedIndex: UInt64
        var time: Duration
    }

    /// Member names, in the order they are ticked.
    private(set) var names: [String]
    private(set) var machines: [String: NodeStateMachine] = [:]
    let tickInterval: Duration
    private(set) var now: Duration = .zero
    private(set) var queue: [Sent] = []
    private(set) var transcript: [String] = []
    private(set) var answers: [Answer] = []
    private(set) var events: [String: [ConsensusEvent]] = [:]
    /// Messages lost to cut links, the drop rule, or a member that is not running.
    private(set) var dropped: [Sent] = []
    /// Messages for which this returns `true` are lost (on top of cut links).
    var dropRule: ((Sent) -> Bool)?
    /// When `false`, a `persist` stays in flight until the test feeds `.persisted` (or
    /// `.storageFailed`) itself.
    var autoPersist = true

    private var cutLinks: Set<[String]> = []
    private var isolated: Set<String> = []
    private var wakeAt: [String: Duration] = [:]
    private var nextRequest: UInt64 = 0

    /// Creates `members` (not started) with `configuration`; when it has no bootstrap, they found
    /// one cluster together. Each member's seed derives from `seed`.
    init(members: [String], configuration: ConsensusConfiguration, seed: UInt64 = 1) {
        var c = configuration
        if c.bootstrap == nil { c.bootstrap = .newCluster(members: members.map { NodeInfo(id: $0) }) }
        tickInterval = c.tickInterval
        names = []
        for name in members { add(name, configuration: c, seed: seed) }
    }

    /// Adds a member (not started).
    func add(_ name: String, configuration: ConsensusConfiguration, seed: UInt64 = 1) {
        precondition(machines[name] == nil, "\(name) exists")
        names.append(name)
        machines[name] = NodeStateMachine(nodeID: name, configuration: configuration, seed: seed &* 1_000 &+ UInt64(names.count))
    }

    subscript(name: String) -> NodeStateMachine { machines[name]! }

    /// Changes a machine in place (e.g. `setVotePolicy`).
    func modify(_ name: String, _ body: (inout NodeStateMachine) -> Void) { body(&machines[name]!) }

    // MARK: - Inputs

    /// Starts members from empty storage.
    func start(_ members: [String]? = nil) {
        for name in members ?? names { feed(name, .start(nil)) }
    }

    /// Feeds one input and performs what the machine asks, until it is idle (a `persist` is
    /// answered with `.persisted` at once). Returns every directive produced, in order.
    @discardableResult
    func feed(_ name: String, _ input: NodeInput) -> [NodeDirective] {
        var all: [NodeDirective] = []
        var pending = [input]
        while !pending.isEmpty {
            let next = pending.removeFirst()
            transcript.append("\(name) <- \(Self.label(next)) @\(now)")
            let out = machines[name]!.handle(next, at: now)
            for d in out {
                transcript.append("\(name) -> \(d)")
                perform(d, on: name, then: &pending)
            }
            all += out
        }
        return all
    }

    /// Sends a client request; returns its id and the directives of that one input.
    @discardableResult
    func request(_ name: String, _ request: NodeRequest) -> (id: RequestID, directives: [NodeDirective]) {
        nextRequest += 1
        let id = RequestID(nextRequest)
        return (id, feed(name, .request(id, request)))
    }

    private func perform(_ d: NodeDirective, on name: String, then pending: inout [NodeInput]) {
        switch d {
        case .persist:
            if autoPersist { pending.append(.persisted) }
        case .saveSnapshot:
            break
        case let .send(to, message):
            queue.append(Sent(from: name, to: to, message: message))
        case let .answer(id, result):
            answers.append(Answer(node: name, id: id, result: result, appliedIndex: machines[name]!.store.appliedIndex, time: now))
        case .emit(let event):
            events[name, default: []].append(event)
        case .wakeUp(let delay):
            wakeAt[name] = min(wakeAt[name] ?? .seconds(1_000_000), now + delay)
        case .halted:
            break
        }
    }

    static func label(_ input: NodeInput) -> String {
        switch input {
        case .start(let s): return s == nil ? "start" : "restart"
        case let .request(id, r): return "request \(id) \(r)"
        case let .message(from, m): return "message from \(from) \(m.summary)"
        case .tick: return "tick"
        case .wakeUp: return "wakeUp"
        case .campaign: return "campaign"
        case .persisted: return "persisted"
        case .storageFailed(let r): return "storageFailed \(r)"
        case .sendFailed(let to): return "sendFailed \(to)"
        case .stop: return "stop"
        }
    }

    // MARK: - Network

    /// Delivers queued messages (and those they cause) until the queue is empty.
    func deliverAll(limit: Int = 100_000) {
        var steps = 0
        while !queue.isEmpty {
            steps += 1
            precondition(steps <= limit, "messages keep flowing after \(limit) deliveries")
            deliverNext()
        }
    }

    /// Delivers (or drops) the oldest queued message; returns what the receiver did.
    @discardableResult
    func deliverNext() -> [NodeDirective] {
        let m = queue.removeFirst()
        guard !cutLinks.contains([m.from, m.to]), !isolated.contains(m.from), !isolated.contains(m.to),
              dropRule?(m) != true, machines[m.to]?.isRunning == true else {
            dropped.append(m)
            transcript.append("drop \(m.from)->\(m.to) \(m.message.summary)")
            return []
        }
        return feed(m.to, .message(from: m.from, m.message))
    }

    /// Cuts the links between `a` and `b`, both ways.
    func cut(_ a: String, _ b: String) {
        cutLinks.insert([a, b])
        cutLinks.insert([b, a])
    }

    /// Cuts one direction only: what `from` sends `to` is lost.
    func cutOneWay(from: String, to: String) { cutLinks.insert([from, to]) }

    /// Cuts `name` off from everyone (members added later included).
    func isolate(_ name: String) { isolated.insert(name) }

    /// Splits the members into groups that hear only each other.
    func partition(_ groups: [[String]]) {
        for (i, g) in groups.enumerated() {
            for (j, h) in groups.enumerated() where i != j {
                for a in g { for b in h { cutOneWay(from: a, to: b) } }
            }
        }
    }

    /// Restores every link.
    func heal() {
        cutLinks = []
        isolated = []
    }

    // MARK: - Time

    /// Moves virtual time without ticking: feeds the wake-ups that come due.
    func advance(by delta: Duration) {
        now += delta
        fireWakeUps()
    }

    private func fireWakeUps() {
        for name in names {
            guard let at = wakeAt[name], at <= now else { continue }
            wakeAt[name] = nil
            if machines[name]!.isRunning { feed(name, .wakeUp) }
        }
    }

    /// One tick of virtual time: wake-ups due, `.tick` to every running member of `only` (default:
    /// all), then every message delivered.
    func tick(_ only: [String]? = nil) {
        advance(by: tickInterval)
        for name in only ?? names where machines[name]!.isRunning { feed(name, .tick) }
        deliverAll()
    }

    func run(ticks: Int, only: [String]? = nil) {
        for _ in 0..<ticks { tick(only) }
    }

    /// Ticks until `condition` holds (checked before each tick); `false` if it never did.
    @discardableResult
    func run(until condition: (NodeHarness) -> Bool, maxTicks: Int = 2_000, only: [String]? = nil) -> Bool {
        for _ in 0..<maxTicks {
            if condition(self) { return true }
            tick(only)
        }
        return condition(self)
    }

    // MARK: - Reading the outcome

    /// The members that lead (raft).
    var leaders: [String] { names.filter { machines[$0]!.raft?.isLeader == true } }

    /// Elects `name` by ticking it alone until it leads, then runs until every running member
    /// follows it and has applied everything committed.
    func elect(_ name: String) {
        precondition(run(until: { $0[name].raft?.isLeader == true }, maxTicks: 200, only: [name]), "\(name) was not elected")
        settle()
    }

    /// Ticks until every running member knows the same leader and has applied the leader's commit index.
    func settle(maxTicks: Int = 400) {
        let settled = run(until: { h in
            let running = h.names.filter { h[$0].isRunning && h[$0].raft != nil }
            guard let leader = running.first(where: { h[$0].raft!.isLeader }) else { return false }
            let commit = h[leader].raft!.commitIndex
            return running.allSatisfy { h[$0].raft!.leader == h[leader].numericID && h[$0].store.appliedIndex >= commit }
        }, maxTicks: maxTicks)
        precondition(settled, "the cluster did not settle")
    }

    /// Every answer to `id` (a request is answered exactly once: a test expects one).
    func answers(to id: RequestID) -> [Answer] { answers.filter { $0.id == id } }

    /// The proposal result answered to `id`, if it was answered with one.
    func proposal(_ id: RequestID) -> ProposalResult? {
        guard let a = answers(to: id).first, case .success(.proposal(let p)) = a.result else { return nil }
        return p
    }

    /// The error answered to `id`, if it was answered with one.
    func error(_ id: RequestID) -> ConsensusError? {
        guard let a = answers(to: id).first, case .failure(let e) = a.result else { return nil }
        return e
    }

    func events(of name: String) -> [ConsensusEvent] { events[name] ?? [] }

    /// The transcript lines of directives, for `==` against expected lines.
    static func lines(_ directives: [NodeDirective]) -> [String] { directives.map(\.description) }
}
