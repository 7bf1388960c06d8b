/// One client operation as observed from outside: when it was invoked, when (and whether) it
/// returned, what it asked for and what it got.
///
/// Times are logical integers (simulator ticks, a global event counter...). An operation A
/// precedes B in real time only if `A.response < B.invocation`; equal times count as concurrent.
public struct HistoryOperation: Sendable, Hashable {
    /// The client that issued the operation (for the explanation only).
    public var client: Int
    /// When the client sent it.
    public var invocation: Int64
    /// When the answer arrived. Ignored when ``outcome`` is ``HistoryOutcome/unknown``: such an
    /// operation may take effect at any point after its invocation, so its response is +infinity.
    public var response: Int64
    /// What the client asked for.
    public var action: ModelAction
    /// What it got back, or ``HistoryOutcome/unknown``.
    public var outcome: HistoryOutcome

    /// Creates an operation.
    /// - Parameters:
    ///   - client: the issuing client.
    ///   - invocation: when it was sent.
    ///   - response: when the answer arrived (`>= invocation`); ignored for an unknown outcome.
    ///   - action: what it asked for.
    ///   - outcome: `.ok(output)` or `.unknown`.
    public init(client: Int, invocation: Int64, response: Int64, action: ModelAction, outcome: HistoryOutcome) {
        if case .ok = outcome {
            precondition(invocation <= response, "an operation cannot return (\(response)) before it is invoked (\(invocation))")
        }
        self.client = client
        self.invocation = invocation
        self.response = response
        self.action = action
        self.outcome = outcome
    }

    /// The response time used by the search: +infinity (`Int64.max`) for an unknown outcome.
    var effectiveResponse: Int64 {
        if case .unknown = outcome { return .max }
        return response
    }
}

/// How an operation ended.
public enum HistoryOutcome: Sendable, Hashable {
    /// It returned this output.
    case ok(ModelOutput)
    /// It timed out or its connection broke: it may or may not have taken effect, and if it did,
    /// at any point after its invocation.
    case unknown
}

/// Collects a history as it happens: invoke, then complete or time out. Handy for a simulator.
///
/// ```swift
/// var history = ClientHistory()
/// let id = history.invoke(client: 1, .put(key: "x", value: "1"), at: 10)
/// history.complete(id, .written, at: 14)
/// ```
public struct ClientHistory: Sendable {
    /// The operations so far, in invocation order, without those known to have had no effect
    /// (``discard(_:)``). Pending ones count as unknown. Once something was discarded, an id from
    /// ``invoke(client:_:at:)`` no longer indexes this array.
    public var operations: [HistoryOperation] {
        discarded.isEmpty ? recorded : recorded.indices.filter { !discarded.contains($0) }.map { recorded[$0] }
    }
    private var recorded: [HistoryOperation] = []
    private var pending: Set<Int> = []
    private var discarded: Set<Int> = []

    /// Creates an empty history.
    public init() {}

    /// Records an invocation.
    /// - Parameters:
    ///   - client: the issuing client.
    ///   - action: what it asks for.
    ///   - time: when it was sent.
    /// - Returns: the id to pass to ``complete(_:_:at:)`` or ``timeOut(_:)``.
    @discardableResult
    public mutating func invoke(client: Int, _ action: ModelAction, at time: Int64) -> Int {
        recorded.append(HistoryOperation(client: client, invocation: time, response: .max, action: action, outcome: .unknown))
        pending.insert(recorded.count - 1)
        return recorded.count - 1
    }

    /// Records the answer to operation `id`.
    /// - Parameters:
    ///   - id: from ``invoke(client:_:at:)``.
    ///   - output: what came back.
    ///   - time: when it arrived.
    public mutating func complete(_ id: Int, _ output: ModelOutput, at time: Int64) {
        precondition(pending.remove(id) != nil, "operation \(id) is not pending")
        precondition(time >= recorded[id].invocation, "operation \(id) cannot return before it is invoked")
        recorded[id].response = time
        recorded[id].outcome = .ok(output)
    }

    /// Records what became of operation `id` after its client gave up on it: an observer that sees
    /// every member (a simulator) saw it take effect with `output`, no later than `time`. The
    /// history then says more than the client knew, which only narrows what the checker accepts.
    /// - Parameters:
    ///   - id: an operation that timed out.
    ///   - output: the answer it would have had.
    ///   - time: when it was seen to have taken effect.
    public mutating func resolve(_ id: Int, _ output: ModelOutput, at time: Int64) {
        precondition(!pending.contains(id), "operation \(id) is still pending: complete it instead")
        precondition(recorded[id].outcome == .unknown, "operation \(id) already has an outcome")
        precondition(time >= recorded[id].invocation, "operation \(id) cannot take effect before it is invoked")
        recorded[id].response = time
        recorded[id].outcome = .ok(output)
    }

    /// Drops operation `id`, which timed out, from the checked history: an observer that sees
    /// every member (a simulator) knows it never took effect and never will (it was refused before
    /// reaching any log, or the run is over and it was never applied).
    /// - Parameter id: an operation that timed out.
    public mutating func discard(_ id: Int) {
        precondition(!pending.contains(id), "operation \(id) is still pending")
        precondition(recorded[id].outcome == .unknown, "operation \(id) has an outcome")
        discarded.insert(id)
    }

    /// Records that operation `id` timed out: its outcome stays unknown.
    /// - Parameter id: from ``invoke(client:_:at:)``.
    public mutating func timeOut(_ id: Int) {
        precondition(pending.remove(id) != nil, "operation \(id) is not pending")
    }
}
