/// Checks that a client history is linearizable against registers, counters and locks.
///
/// The history is split per resource (P-compositionality: a history is linearizable if and only if
/// each resource's sub-history is), except that a counter batch ties its counters into one
/// sub-history. Each sub-history is searched with Wing and Gong's algorithm and Lowe's cache of
/// explored (ordered operations, state) pairs; see `LinearizationSearch`. A read whose outcome is
/// unknown constrains nothing and is dropped; any other operation with an unknown outcome may
/// take effect at any point after its invocation, or never (it is then ordered last, where its
/// effect is seen by nobody).
///
/// Locks: a grant needs the lock free (or its last grant lapsed) and a fencing token above every
/// earlier one; a holder's retry returns its live grant, and so does its renewal (neither ever
/// shortens the grant); a refusal needs a live grant to someone else (for a renewal: a grant that
/// is not the renewer's, or may have lapsed). So two holders with overlapping live grants, or a token that does not increase, are caught.
/// When a grant with a ttl lapses is set by ``lockLapse``: exactly at its point plus its ttl
/// (``LockLapse/exact``, the default), or at any time from then on (``LockLapse/notBefore``, for a
/// store whose clock may run slow).
///
/// ```swift
/// let checker = LinearizabilityChecker()
/// let result = checker.check(history.operations)
/// #expect(result == .linearizable, "\(result)")
/// ```
public struct LinearizabilityChecker: Sendable {
    /// The most states the search may explore per sub-history; beyond, the result is
    /// ``LinearizabilityResult/budgetExhausted(key:exploredStates:)`` (a failure, never a pass).
    public var stateBudgetPerKey: Int
    /// When a lock grant with a ttl lapses: exactly at its point plus its ttl, or at any time
    /// from then on. See ``LockLapse``.
    public var lockLapse: LockLapse

    /// Creates a checker.
    /// - Parameters:
    ///   - stateBudgetPerKey: the most states explored per sub-history.
    ///   - lockLapse: when a lock grant with a ttl lapses; ``LockLapse/exact`` (the default) at
    ///     its point plus its ttl, ``LockLapse/notBefore`` at that time or any time after.
    public init(stateBudgetPerKey: Int = 1_000_000, lockLapse: LockLapse = .exact) {
        precondition(stateBudgetPerKey > 0, "the state budget must be positive")
        self.stateBudgetPerKey = stateBudgetPerKey
        self.lockLapse = lockLapse
    }

    /// Checks a history.
    /// - Parameter history: the operations, in any order.
    /// - Returns: ``LinearizabilityResult/linearizable``, or the first failing sub-history (by
    ///   resource order) with an explanation, or the first whose search ran out of budget.
    public func check(_ history: [HistoryOperation]) -> LinearizabilityResult {
        checkMeasuring(history).result
    }

    /// ``check(_:)``, also telling how hard the search worked.
    /// - Parameter history: the operations, in any order.
    /// - Returns: the verdict, and the most states explored on one sub-history.
    public func checkMeasuring(_ history: [HistoryOperation]) -> (result: LinearizabilityResult, exploredStatesMax: Int) {
        var exploredStatesMax = 0
        for group in Self.subHistories(history) {
            let key = group.resources.map(\.name).joined(separator: ", ")
            let search = LinearizationSearch(
                operations: group.operations,
                initialState: group.resources.map { ResourceState.initial($0.kind) },
                stateBudget: stateBudgetPerKey,
                lockLapse: lockLapse)
            switch search.run() {
            case .linearizable(let exploredStates):
                exploredStatesMax = max(exploredStatesMax, exploredStates)
            case .budgetExhausted(let exploredStates):
                return (.budgetExhausted(key: key, exploredStates: exploredStates), max(exploredStatesMax, exploredStates))
            case .notLinearizable(let deepestOrder, let deepestState, let exploredStates):
                let explanation = Self.explain(
                    group, history, deepestOrder: deepestOrder, deepestState: deepestState, lockLapse: lockLapse)
                return (.notLinearizable(key: key, explanation: explanation), max(exploredStatesMax, exploredStates))
            }
        }
        return (.linearizable, exploredStatesMax)
    }

    /// One independently checked part of the history.
    struct SubHistory {
        var resources: [ModelResource]
        var operations: [SearchOperation]
    }

    /// Splits the history per resource, joining the resources of each counter batch.
    static func subHistories(_ history: [HistoryOperation]) -> [SubHistory] {
        let kept = history.indices.filter { index in
            !(history[index].outcome == .unknown && history[index].action.isReadOnly)
        }
        // Union-find over resources.
        var parent: [ModelResource: ModelResource] = [:]
        func root(_ resource: ModelResource) -> ModelResource {
            var current = resource
            while let up = parent[current], up != current { current = up }
            return current
        }
        for index in kept {
            let resources = history[index].action.resources
            for resource in resources where parent[resource] == nil { parent[resource] = resource }
            for resource in resources.dropFirst() {
                let (a, b) = (root(resources[0]), root(resource))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var members: [ModelResource: [ModelResource]] = [:]
        for resource in parent.keys { members[root(resource), default: []].append(resource) }
        var byRoot: [ModelResource: [Int]] = [:]
        for index in kept { byRoot[root(history[index].action.resources[0]), default: []].append(index) }

        return byRoot.keys.sorted().map { groupRoot in
            let resources = members[groupRoot]!.sorted()
            let slotOf = Dictionary(uniqueKeysWithValues: resources.enumerated().map { ($1, $0) })
            let indices = byRoot[groupRoot]!
            let usesTime = indices.contains { index in
                switch history[index].action {
                case .lockAcquire(_, _, let ttl): return ttl != nil
                case .lockRenew: return true
                default: return false
                }
            }
            let operations = indices.map { index -> SearchOperation in
                let operation = history[index]
                let output: ModelOutput?
                if case .ok(let value) = operation.outcome { output = value } else { output = nil }
                return SearchOperation(
                    index: index,
                    invocation: operation.invocation,
                    response: operation.effectiveResponse,
                    timeFrom: usesTime ? operation.invocation : .min,
                    timeTo: usesTime ? operation.effectiveResponse : .max,
                    action: operation.action,
                    output: output,
                    slots: operation.action.resources.map { slotOf[$0]! })
            }
            return SubHistory(resources: resources, operations: operations)
        }
    }
}
