import Consensus

/// One command of the step mode: what a learner types, already parsed (see
/// ``StepCommand/init(parsing:)``). ``SteppedCluster/run(_:)`` performs it and returns what
/// happened.
///
/// Wherever a member is named, `n1`, `1` and `leader` (the member that leads in the highest
/// term) all work.
public enum StepCommand: Sendable, Hashable {
    /// Advance the clock by `count` heartbeat intervals, for every member or only `member`.
    /// Timers fire (heartbeats, elections, request deadlines); what they send waits in flight.
    case tick(count: Int, member: String?)
    /// Deliver the messages in flight that match, oldest first (the ones they cause stay in
    /// flight).
    case deliver(StepMessageFilter)
    /// Drop the messages in flight that match.
    case drop(StepMessageFilter)
    /// Deliver the oldest message in flight.
    case step
    /// Deliver messages, oldest first, until none is left in flight (at most
    /// ``SteppedClusterOptions/stabilizeDeliveriesMax``).
    case stabilize
    /// Make a member start an election now, as if its election timeout had passed.
    case campaign(String)
    /// Stop a member at once: what it had not persisted is lost, messages to it are lost, its
    /// clients' requests end with an unknown outcome.
    case crash(String)
    /// Start a crashed member again from what it persisted.
    case restart(String)
    /// Cut every link between the sides (a single side: between it and everyone else). Replaces
    /// any earlier partition.
    case partition([[String]])
    /// Restore every link.
    case heal
    /// A client request to a member (`nil`: the leader, or `n1` when none leads).
    case request(StepRequest, member: String?)
    /// Each member's role, term, leader, commit and applied index, and log.
    case status
    /// Everything a member knows (all members when `nil`).
    case debug(String?)
    /// The messages in flight, oldest first.
    case messages
    /// The client operations of this session with their outcomes.
    case history
    /// Whether the client history is linearizable, by the project's ``LinearizabilityChecker``.
    case check
    /// Why an election went as it did: who campaigned, who voted for whom, who refused and why
    /// (the latest election when `term` is `nil`).
    case why(term: UInt64?)
}

/// Which messages in flight a ``StepCommand/deliver(_:)`` or ``StepCommand/drop(_:)`` takes:
/// `n1->n2`, `n1->*`, `*->n2`, or everything.
public struct StepMessageFilter: Sendable, Hashable, CustomStringConvertible {
    /// The sender (`nil`: any).
    public var from: String?
    /// The receiver (`nil`: any).
    public var to: String?

    /// A filter on sender and receiver; `nil` matches any member.
    public init(from: String? = nil, to: String? = nil) {
        self.from = from
        self.to = to
    }

    /// Every message.
    public static let all = StepMessageFilter()

    /// `all`, or `from->to` with `*` for any member.
    public var description: String {
        from == nil && to == nil ? "all" : "\(from ?? "*")->\(to ?? "*")"
    }
}

/// A client request in step mode. Its ``description`` is the command that asks for it.
public enum StepRequest: Sendable, Hashable, CustomStringConvertible {
    /// Write `value` under `key`.
    case put(key: String, value: ConsensusValue)
    /// Read `key`: linearizable (ReadIndex through the leader), or `local` (this member's
    /// applied state at once, possibly stale).
    case get(key: String, local: Bool)
    /// Remove `key`.
    case delete(key: String)
    /// Compare-and-swap at apply time (`nil`: absent).
    case compareAndSwap(key: String, expected: ConsensusValue?, new: ConsensusValue?)
    /// Add `delta` to the counter `name`.
    case counterAdd(name: String, delta: Int64)
    /// Read the counter `name` (absent reads 0).
    case counterGet(name: String, local: Bool)
    /// Take the lock `name` for `holder` for `ttlMilliseconds` of store time.
    case lockAcquire(name: String, holder: String, ttlMilliseconds: Int64)
    /// Extend `holder`'s grant with fencing token `token`.
    case lockRenew(name: String, holder: String, token: UInt64, ttlMilliseconds: Int64)
    /// Free the lock if `holder` and `token` match its grant.
    case lockRelease(name: String, holder: String, token: UInt64)

    /// The command that asks for this request (without `on <member>`).
    public var description: String {
        switch self {
        case let .put(key, value): return "put \(key) \(value)"
        case let .get(key, local): return "get \(key)" + (local ? " --local" : "")
        case let .delete(key): return "delete \(key)"
        case let .compareAndSwap(key, expected, new):
            return "cas \(key) \(expected.map(\.description) ?? "-") \(new.map(\.description) ?? "-")"
        case let .counterAdd(name, delta): return "counter add \(name) \(delta)"
        case let .counterGet(name, local): return "counter get \(name)" + (local ? " --local" : "")
        case let .lockAcquire(name, holder, ttl): return "lock acquire \(name) \(holder) \(ttl)"
        case let .lockRenew(name, holder, token, ttl): return "lock renew \(name) \(holder) \(token) \(ttl)"
        case let .lockRelease(name, holder, token): return "lock release \(name) \(holder) \(token)"
        }
    }

    /// What the member is asked.
    var nodeRequest: NodeRequest {
        switch self {
        case let .put(key, value): return .propose(.put(key: key, value: value))
        case let .get(key, local), let .counterGet(key, local): return .read(key: key, consistency: local ? .local : .linearizable)
        case let .delete(key): return .propose(.delete(key: key))
        case let .compareAndSwap(key, expected, new): return .propose(.compareAndSwap(key: key, expected: expected, new: new))
        case let .counterAdd(name, delta): return .propose(.counterAdd(name: name, delta: delta))
        case let .lockAcquire(name, holder, ttl): return .propose(.lockAcquire(name: name, holder: holder, ttlMilliseconds: ttl))
        case let .lockRenew(name, holder, token, ttl):
            return .propose(.lockRenew(name: name, holder: holder, token: token, ttlMilliseconds: ttl))
        case let .lockRelease(name, holder, token): return .propose(.lockRelease(name: name, holder: holder, token: token))
        }
    }

    /// The write, `nil` for a read.
    var operation: StoreOperation? {
        if case .propose(let operation) = nodeRequest { return operation }
        return nil
    }
}
