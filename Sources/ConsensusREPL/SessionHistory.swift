import Consensus
import ConsensusTesting

/// The client operations a session ran, with when they started and ended and how they ended:
/// what `history` lists and `check` gives the linearizability checker.
public struct SessionHistory: Sendable {
    /// How an operation ended.
    public enum Outcome: Sendable, Hashable {
        /// The member answered with this reply.
        case ok(ConsensusValue)
        /// It did not happen and will not (a refusal).
        case failed(String)
        /// No answer: it may or may not have happened.
        case unknown(String)
    }

    /// One operation.
    public struct Entry: Sendable, Hashable {
        /// What was asked.
        public var request: ClientRequest
        /// Who was asked.
        public var member: String
        /// When it was sent and when it ended, in microseconds since the session began.
        public var start: Int64
        public var end: Int64
        public var outcome: Outcome
    }

    /// The operations, in the order they ran.
    public private(set) var entries: [Entry] = []

    public init() {}

    /// Records an operation that ended.
    public mutating func record(_ request: ClientRequest, member: String, start: Int64, end: Int64, outcome: Outcome) {
        entries.append(Entry(request: request, member: member, start: start, end: max(start, end), outcome: outcome))
    }

    /// Whether an operation belongs in the history: the data and recipe requests (not status or
    /// membership).
    public static func isRecorded(_ request: ClientRequest) -> Bool {
        switch request {
        case .status, .pending, .vote, .addMember, .removeMember, .transferLeader, .electCampaign, .electShow, .electResign: return false
        default: return true
        }
    }

    /// The checker's form of the history: failed operations are left out (they had no effect),
    /// local reads too (they may be stale by design), and lock displays (`lock show`).
    public var checkedOperations: [HistoryOperation] {
        let untracked = keysOfTransactions
        return entries.compactMap { entry in
            guard let action = Self.action(entry.request) else { return nil }
            if action.resources.contains(where: { untracked.contains($0.name) }) { return nil }
            switch entry.outcome {
            case .failed:
                return nil
            case .unknown:
                return HistoryOperation(client: 1, invocation: entry.start, response: entry.start, action: action, outcome: .unknown)
            case .ok(let reply):
                guard let output = Self.output(entry.request, reply) else {
                    return HistoryOperation(client: 1, invocation: entry.start, response: entry.start, action: action, outcome: .unknown)
                }
                return HistoryOperation(client: 1, invocation: entry.start, response: entry.end, action: action, outcome: .ok(output))
            }
        }
    }

    /// The keys a transaction of this session named (in a condition or an operation): the
    /// checker does not model transactions, so ``checkedOperations`` leaves those keys out.
    public var keysOfTransactions: Set<String> {
        var keys: Set<String> = []
        for entry in entries {
            guard case .transaction(let body) = entry.request else { continue }
            for part in ["if", "then", "else"] {
                for item in body[part]?.arrayValue ?? [] {
                    for field in ["key", "name"] { if let key = item[field]?.stringValue { keys.insert(key) } }
                    for delta in item["deltas"]?.arrayValue ?? [] { if let name = delta["name"]?.stringValue { keys.insert(name) } }
                }
            }
        }
        return keys
    }

    /// The checker's action for a request, or `nil` for one it does not model.
    static func action(_ request: ClientRequest) -> ModelAction? {
        switch request {
        case .put(let key, let value), .propose(let key, let value): return .put(key: key, value: value.canonical.description)
        case .get(let key, let local): return local ? nil : .get(key: key)
        case .delete(let key): return .delete(key: key)
        case .compareAndSwap(let key, let expected, let new):
            return .compareAndSwap(key: key, expected: expected?.canonical.description, new: new?.canonical.description)
        case .counterAdd(let name, let delta): return .counterAdd(key: name, delta: delta)
        case .counterGet(let name): return .counterRead(key: name)
        case .counterBatch(let ops):
            var deltas: [String: Int64] = [:]
            for op in ops { deltas[op.name, default: 0] &+= op.delta }
            return .counterBatch(deltas)
        // Lock times are in microseconds here, like the history's.
        case .lockAcquire(let name, let holder, let ttl, _): return .lockAcquire(lock: name, holder: holder, ttl: microseconds(ttl))
        case .lockRenew(let name, let holder, let token, let ttl):
            return .lockRenew(lock: name, holder: holder, token: token, ttl: microseconds(ttl))
        case .lockRelease(let name, let holder, let token): return .lockRelease(lock: name, holder: holder, token: token)
        case .status, .pending, .vote, .lockShow, .addMember, .removeMember, .transferLeader, .electCampaign, .electShow,
             .electResign, .transaction: return nil
        }
    }

    /// Milliseconds as microseconds, saturating.
    static func microseconds(_ milliseconds: Int64) -> Int64 {
        let (value, overflow) = milliseconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (milliseconds < 0 ? .min : .max) : value
    }

    /// The checker's output for a reply, or `nil` when the reply does not say (then the
    /// operation counts as unknown).
    static func output(_ request: ClientRequest, _ reply: ConsensusValue) -> ModelOutput? {
        switch request {
        case .put, .delete: return .written
        case .propose: return reply["accepted"]?.boolValue == true ? .written : nil
        case .get:
            if reply["found"]?.boolValue == false { return .value(nil) }
            return reply["value"].map { .value($0.canonical.description) }
        case .compareAndSwap: return reply["succeeded"]?.boolValue.map { .swapped($0) }
        case .counterAdd, .counterGet: return reply["value"]?.intValue.map { .counter($0) }
        case .counterBatch:
            guard let values = reply["values"]?.objectValue else { return nil }
            return .counters(values.compactMapValues(\.intValue))
        case .lockAcquire:
            guard let acquired = reply["acquired"]?.boolValue else { return nil }
            guard acquired else { return .refused }
            return reply["token"]?.intValue.map { .granted(token: UInt64(clamping: $0)) }
        case .lockRenew:
            guard let renewed = reply["renewed"]?.boolValue else { return nil }
            guard renewed else { return .refused }
            return reply["token"]?.intValue.map { .granted(token: UInt64(clamping: $0)) }
        case .lockRelease: return reply["released"]?.boolValue.map { .released($0) }
        case .status, .pending, .vote, .lockShow, .addMember, .removeMember, .transferLeader, .electCampaign, .electShow,
             .electResign, .transaction: return nil
        }
    }
}
