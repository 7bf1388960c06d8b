import Consensus

/// A fault-tolerant counter: the lesson's exercise ("Build a Distributed Counter").
///
/// **Guarantees** (raft): every change is one log entry applied by the state machine
/// (`counterAdd`), so concurrent increments and decrements from any members are never lost and
/// never counted twice, and every member applies them in the same order: all members show the
/// same value once they have caught up. ``read()`` is linearizable (it never returns a value older
/// than a change that completed before the read started). ``batch(_:on:)`` changes several
/// counters in one entry, all or nothing. A cluster of 2f+1 members keeps counting with f of them
/// down; on the minority side of a partition changes fail fast (``RecipeError/notApplied(key:reason:)``)
/// and nothing is counted there.
///
/// A change that times out throws ``RecipeError/outcomeUnknown(key:reason:)`` and is **not**
/// retried: it may have been counted, and a retry would count it twice.
///
/// **Mechanism**: raft. With simple_majority every call throws ``RecipeError/needsRaft(recipe:)``
/// (its last-writer-wins votes would lose concurrent increments).
///
/// ```swift
/// let visits = AtomicCounter("visits", on: node)
/// try await visits.increment()
/// try await AtomicCounter.batch(["stock:apples": -1, "sold:apples": 1], on: node)
/// print(try await visits.read())
/// ```
public struct AtomicCounter: Sendable {
    /// The counter's key (it shares the key space with other values; a missing key counts as 0).
    public let name: String
    /// The member proposals and reads go through.
    public let node: ConsensusTrait

    /// A counter stored under `name`.
    /// - Parameters:
    ///   - name: the key.
    ///   - node: the member to go through.
    public init(_ name: String, on node: ConsensusTrait) {
        self.name = name
        self.node = node
    }

    /// Adds `delta` (negative to subtract).
    /// - Returns: the counter's value right after this change was applied.
    /// - Throws: ``RecipeError/rejected(key:reason:)`` if the key holds something other than an
    ///   integer or the sum would overflow; see the type's documentation for the others.
    @discardableResult
    public func add(_ delta: Int64) async throws(RecipeError) -> Int64 {
        let values = try await Self.apply([name: delta], on: node)
        return values[name] ?? 0
    }

    /// Adds `amount` (default 1).
    @discardableResult
    public func increment(by amount: Int64 = 1) async throws(RecipeError) -> Int64 {
        try await add(amount)
    }

    /// Subtracts `amount` (default 1).
    @discardableResult
    public func decrement(by amount: Int64 = 1) async throws(RecipeError) -> Int64 {
        try await add(-amount)
    }

    /// The counter's value.
    /// - Parameter consistency: `.linearizable` (the default) goes through the leader;
    ///   `.local` reads this member's state (fast, possibly stale).
    public func read(consistency: ReadConsistency = .linearizable) async throws(RecipeError) -> Int64 {
        try node.requireRaft("AtomicCounter")
        let value: ConsensusValue?
        do {
            value = try await node.value(name, consistency: consistency)
        } catch {
            throw .notApplied(key: name, reason: "cannot read: \(error)")
        }
        switch value {
        case nil: return 0
        case .int(let n)?: return n
        case let other?: throw .rejected(key: name, reason: "holds \(other), not an integer")
        }
    }

    /// Adds each delta to its counter, all in one log entry: either every counter changes or none
    /// does (if one of them holds a non-integer or would overflow, nothing changes).
    /// - Parameters:
    ///   - deltas: counter name to amount.
    ///   - node: the member to go through.
    /// - Returns: the new value of each counter.
    @discardableResult
    public static func batch(_ deltas: [String: Int64], on node: ConsensusTrait) async throws(RecipeError) -> [String: Int64] {
        try await apply(deltas, on: node)
    }

    /// The one log entry that adds each delta to its counter: a single `counterAdd`, or a
    /// `counterBatch` (sorted by name) for several counters.
    public static func operation(_ deltas: [String: Int64]) -> StoreOperation {
        if deltas.count == 1, let (name, delta) = deltas.first { return .counterAdd(name: name, delta: delta) }
        return .counterBatch(deltas.keys.sorted().map { CounterDelta(name: $0, delta: deltas[$0]!) })
    }

    /// The counters' new values in the answer to ``operation(_:)``.
    /// - Throws: the ``RecipeError`` that says what became of the change when there is no answer
    ///   (``RecipeError/outcomeUnknown(key:reason:)``: it may have been counted) or the state
    ///   machine refused it.
    public static func values(in outcome: ProposalOutcome, deltas: [String: Int64]) throws(RecipeError) -> [String: Int64] {
        let key = deltas.keys.sorted().joined(separator: ", ")
        switch try outcome.answer(key: key).result {
        case .counter(let values): return values
        case let other: throw .rejected(key: key, reason: "unexpected answer \(other)")
        }
    }

    private static func apply(_ deltas: [String: Int64], on node: ConsensusTrait) async throws(RecipeError) -> [String: Int64] {
        try node.requireRaft("AtomicCounter")
        return try values(in: await node.outcome(ofRecipe: operation(deltas)), deltas: deltas)
    }
}
