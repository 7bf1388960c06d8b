import Consensus

/// The step mode's clients: every request is a client of its own, waiting for the member it
/// asked. Keeps the requests in flight, what became of each, and the history the
/// ``LinearizabilityChecker`` judges.
struct StepClients: Sendable {
    /// One request of the session.
    struct Record: Sendable {
        var id: RequestID
        var request: StepRequest
        var member: String
        /// Its place in ``history`` (raft), or `nil` (simple_majority: nothing to check).
        var historyID: Int?
        /// A read recorded as a counter read.
        var readsCounter: Bool
        var outcome: StepOutcome?
        var detail = ""
    }

    /// The history's time units in one millisecond of cluster time: room for a sequence number
    /// of the events within one millisecond.
    static let timeUnitsPerMillisecond: Int64 = 1_000_000

    private(set) var records: [Record] = []
    private var positions: [RequestID: Int] = [:]
    private(set) var history = ClientHistory()
    /// Events counted so far (invocations and answers), for the history's clock.
    private(set) var events: Int64 = 0
    /// Keys used as counters: a plain read of one is recorded as a counter read.
    private var counterKeys: Set<String> = []

    mutating func nextEvent() { events += 1 }

    /// The request `id`, if it is still waiting for an answer.
    func waiting(_ id: RequestID) -> Record? {
        positions[id].map { records[$0] }.flatMap { $0.outcome == nil ? $0 : nil }
    }

    /// Records a request sent at `time` to `member`; `checked`: it goes into the history.
    mutating func invoke(_ request: StepRequest, member: String, checked: Bool, at time: Int64) -> RequestID {
        let id = RequestID(UInt64(records.count + 1))
        var readsCounter = false
        switch request {
        case .counterAdd(let name, _): counterKeys.insert(name)
        case .counterGet: readsCounter = true
        case .get(let key, _): readsCounter = counterKeys.contains(key)
        default: break
        }
        let historyID = checked ? history.invoke(client: Int(id.rawValue), action(request, readsCounter: readsCounter), at: time) : nil
        positions[id] = records.count
        records.append(Record(id: id, request: request, member: member, historyID: historyID, readsCounter: readsCounter))
        return id
    }

    /// The member answered request `id` at `time`. Returns the transcript's line, `nil` for a
    /// request nobody waits for.
    mutating func answered(_ id: RequestID, _ result: Result<NodeResponse, ConsensusError>, by member: String,
                           note: String?, at time: Int64) -> StepEvent? {
        guard let p = positions[id], records[p].outcome == nil else { return nil }
        let r = records[p]
        var answer: ClientAnswer
        do {
            answer = try ClientAnswer.of(result, to: id, operation: r.request.operation, readsCounter: r.readsCounter)
        } catch {
            answer = .unknown
        }
        // The state machine refused the operation (a counter on a value that is not an integer):
        // nothing changed, the same as a refusal before the log.
        if case .success(.proposal(let proposal)) = result, case .rejected? = proposal.result { answer = .refused }
        // simple_majority answers with the vote, not a state machine result.
        if case .success(.proposal(let proposal)) = result, proposal.result == nil, proposal.accepted { answer = .ok(.written) }
        let outcome: StepOutcome
        switch answer {
        case .ok(let output):
            if let h = r.historyID { history.complete(h, output, at: time) }
            outcome = .ok
        case .unknown:
            if let h = r.historyID { history.timeOut(h) }
            outcome = .unknown
        case .refused:
            if let h = r.historyID { history.timeOut(h); history.discard(h) }
            outcome = .failed
        }
        records[p].outcome = outcome
        records[p].detail = Self.describe(result) + (note.map { " (\($0))" } ?? "")
        return .answered(id, member: member, r.request, outcome: outcome, detail: records[p].detail)
    }

    /// Every request waiting on `member` ends without an answer: its outcome is unknown.
    mutating func abandon(member: String, because reason: String) -> [StepEvent] {
        var events: [StepEvent] = []
        for p in records.indices where records[p].member == member && records[p].outcome == nil {
            if let h = records[p].historyID { history.timeOut(h) }
            records[p].outcome = .unknown
            records[p].detail = reason
            events.append(.answered(records[p].id, member: member, records[p].request, outcome: .unknown, detail: reason))
        }
        return events
    }

    /// What the checker sees of a request.
    private func action(_ request: StepRequest, readsCounter: Bool) -> ModelAction {
        let scale = Self.timeUnitsPerMillisecond
        switch request {
        case let .put(key, value): return .put(key: key, value: value.description)
        case let .get(key, _): return readsCounter ? .counterRead(key: key) : .get(key: key)
        case let .delete(key): return .delete(key: key)
        case let .compareAndSwap(key, expected, new):
            return .compareAndSwap(key: key, expected: expected?.description, new: new?.description)
        case let .counterAdd(name, delta): return .counterAdd(key: name, delta: delta)
        case let .counterGet(name, _): return .counterRead(key: name)
        case let .lockAcquire(name, holder, ttl): return .lockAcquire(lock: name, holder: holder, ttl: ttl.multipliedReportingOverflow(by: scale).partialValue)
        case let .lockRenew(name, holder, token, ttl):
            return .lockRenew(lock: name, holder: holder, token: token, ttl: ttl.multipliedReportingOverflow(by: scale).partialValue)
        case let .lockRelease(name, holder, token): return .lockRelease(lock: name, holder: holder, token: token)
        }
    }

    // MARK: - Text

    /// An answer, for people: `previous:absent index:3`, `x=1 revision:3`, `timeout: ...`.
    static func describe(_ result: Result<NodeResponse, ConsensusError>) -> String {
        switch result {
        case .success(.proposal(let p)):
            guard let r = p.result else {
                let votes = "votes:\(p.votes.for)/\(p.votes.total) quorum:\(p.quorumRequired)"
                if p.accepted { return "accepted \(votes)" }
                guard let code = p.errorCode else { return "rejected \(votes)" + (p.error.map { ": \($0)" } ?? "") }
                return explain(code, p.error ?? "not applied")
            }
            return describe(r) + (p.index.map { " index:\($0)" } ?? "")
        case let .success(.value(v, applied)):
            return (v.map { "\($0.value) revision:\($0.revision)" } ?? "absent") + " applied:\(applied)"
        case .success(.done):
            return "done"
        case .failure(let error):
            return explain(error.code, error.description)
        }
    }

    /// `code: description`, without saying the code twice.
    static func explain(_ code: ConsensusErrorCode, _ description: String) -> String {
        description.hasPrefix(code.rawValue) ? description : "\(code.rawValue): \(description)"
    }

    static func describe(_ r: OperationResult) -> String {
        switch r {
        case .put(let previous), .delete(let previous): return "previous:\(previous.map(\.description) ?? "absent")"
        case let .compareAndSwap(succeeded, current): return (succeeded ? "swapped" : "not swapped") + " current:\(current.map(\.description) ?? "absent")"
        case let .transaction(succeeded, _): return succeeded ? "conditions held" : "conditions failed, else branch ran"
        case .lock(let grant?): return "granted token:\(grant.token) expires:\(grant.expiresAt)ms"
        case .lock(nil): return "refused: held by another holder"
        case .lockReleased(let freed): return freed ? "released" : "not released: not the holder, or a stale token"
        case .counter(let values): return values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
        case .rejected(let reason): return "rejected: \(reason)"
        }
    }

    /// The `history` report: one line per request, in the order they were sent.
    func report() -> [String] {
        guard !records.isEmpty else { return ["no requests yet"] }
        return records.map { r in
            "\(r.id) \(r.request) -> \(r.member): " + (r.outcome.map { "\($0.rawValue) \(r.detail)" } ?? "pending")
        }
    }
}
