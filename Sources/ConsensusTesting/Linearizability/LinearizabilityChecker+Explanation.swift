// The readable part of a failure: how far the search got, and why nothing fits next.

extension LinearizabilityChecker {
    /// The most operations listed in one part of an explanation.
    static let explainedOperationsMax = 8

    /// Explains a failed search from its deepest point: the operations it could order, the state
    /// after them, and, for each operation that could come next, why it does not fit.
    static func explain(
        _ group: SubHistory, _ history: [HistoryOperation], deepestOrder: [Int], deepestState: [ResourceState],
        lockLapse: LockLapse
    ) -> String {
        let operations = group.operations
        var lines: [String] = []
        let names = group.resources.map(\.description).joined(separator: ", ")
        lines.append("no order of the \(operations.count) operations on \(names) explains them; at most \(deepestOrder.count) could be ordered.")
        if deepestOrder.isEmpty {
            lines.append("Not even a first operation fits the initial state.")
        } else {
            let shown = deepestOrder.suffix(explainedOperationsMax)
            let skipped = deepestOrder.count - shown.count
            lines.append("Ordered" + (skipped > 0 ? " (last \(shown.count) of \(deepestOrder.count))" : "") + ":")
            for position in shown { lines.append("  " + describe(history, operations[position].index)) }
        }
        lines.append("State then: " + describe(deepestState, group.resources) + ".")

        var remaining = Set(operations.indices)
        deepestOrder.forEach { remaining.remove($0) }
        let firstResponse = remaining.map { operations[$0].response }.min() ?? .max
        let candidates = remaining.filter { operations[$0].invocation <= firstResponse }.sorted()
        lines.append("None of the operations that could come next fits:")
        for position in candidates.prefix(explainedOperationsMax) {
            let operation = operations[position]
            let reason = SequentialModel.successors(deepestState, operation, lockLapse: lockLapse).isEmpty
                ? SequentialModel.refusal(deepestState, operation)
                : "it fits, but every order after it fails"
            lines.append("  \(describe(history, operation.index)): \(reason)")
        }
        if candidates.count > explainedOperationsMax {
            lines.append("  ... and \(candidates.count - explainedOperationsMax) more")
        }
        return lines.joined(separator: "\n")
    }

    /// `#4 client 2 [10, 15] get("x") -> "a"`.
    static func describe(_ history: [HistoryOperation], _ index: Int) -> String {
        let operation = history[index]
        let interval: String
        let result: String
        switch operation.outcome {
        case .ok(let output):
            interval = "[\(operation.invocation), \(operation.response)]"
            result = describe(output)
        case .unknown:
            interval = "[\(operation.invocation), ∞)"
            result = "unknown"
        }
        return "#\(index) client \(operation.client) \(interval) \(describe(operation.action)) -> \(result)"
    }

    static func describe(_ action: ModelAction) -> String {
        let show = SequentialModel.show
        switch action {
        case .put(let key, let value): return "put(\(key.debugDescription), \(value.debugDescription))"
        case .get(let key): return "get(\(key.debugDescription))"
        case .delete(let key): return "delete(\(key.debugDescription))"
        case .compareAndSwap(let key, let expected, let new):
            return "cas(\(key.debugDescription), expected: \(show(expected)), new: \(show(new)))"
        case .counterAdd(let key, let delta): return "add(\(key.debugDescription), \(delta))"
        case .counterRead(let key): return "read(\(key.debugDescription))"
        case .counterBatch(let deltas):
            return "batch(" + deltas.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + ")"
        case .lockAcquire(let lock, let holder, let ttl):
            return "acquire(\(lock.debugDescription), holder: \(holder.debugDescription)" + (ttl.map { ", ttl: \($0))" } ?? ")")
        case .lockRenew(let lock, let holder, let token, let ttl):
            return "renew(\(lock.debugDescription), holder: \(holder.debugDescription), token: \(token), ttl: \(ttl))"
        case .lockRelease(let lock, let holder, let token):
            return "release(\(lock.debugDescription), holder: \(holder.debugDescription), token: \(token))"
        }
    }

    static func describe(_ output: ModelOutput) -> String {
        switch output {
        case .written: return "ok"
        case .replaced(let previous): return "ok (previous \(SequentialModel.show(previous)))"
        case .value(let value): return SequentialModel.show(value)
        case .swapped(let swapped): return swapped ? "swapped" : "not swapped"
        case .counter(let value): return String(value)
        case .counters(let values):
            return "[" + values.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "]"
        case .granted(let token): return "granted(token \(token))"
        case .refused: return "refused"
        case .released(let released): return released ? "released" : "not released"
        }
    }

    static func describe(_ state: [ResourceState], _ resources: [ModelResource]) -> String {
        zip(resources, state).map { resource, state in
            switch state {
            case .register(let value): return "\(resource) = \(SequentialModel.show(value))"
            case .counter(let value): return "\(resource) = \(value)"
            case .lock(let lock):
                guard let holder = lock.holder else { return "\(resource) free (last token \(lock.token))" }
                return "\(resource) held by \(holder.debugDescription) (token \(lock.token))"
            }
        }.joined(separator: ", ")
    }
}
