// Transactions: conditions evaluated against the current state, then one branch, all-or-nothing.

extension KeyValueStore {
    /// Applies `transaction` at `index`: refuses it if a branch holds a nested transaction or a lock
    /// operation, evaluates the conditions, then applies the chosen branch. If one of the branch's
    /// operations is rejected (or is a compare-and-swap whose comparison fails), the writes already
    /// made are rolled back and the result is `.rejected` naming that operation.
    mutating func applyTransaction(_ transaction: Transaction, at index: UInt64, journal: inout WriteJournal) -> OperationResult {
        for (branchName, branch) in [("success", transaction.success), ("failure", transaction.failure)] {
            for (position, operation) in branch.enumerated() {
                switch operation {
                case .transaction:
                    return .rejected(reason: "\(branchName) operation \(position): transactions cannot be nested")
                case .lockAcquire, .lockRenew, .lockRelease:
                    return .rejected(reason: "\(branchName) operation \(position): lock operations are not allowed in a transaction")
                case .put, .delete, .compareAndSwap, .counterAdd, .counterBatch:
                    break
                }
            }
        }

        let conditionsHeld = transaction.conditions.allSatisfy(holds)
        let (branchName, branch) = conditionsHeld ? ("success", transaction.success) : ("failure", transaction.failure)
        let mark = journal.mark
        var results: [OperationResult] = []
        for (position, operation) in branch.enumerated() {
            let result = applyWrite(operation, at: index, journal: &journal)
            let failure: String?
            switch result {
            case .rejected(let reason):
                failure = reason
            case .compareAndSwap(false, let current):
                failure = "compare-and-swap on \"\(operation.keys.first ?? "")\" failed (current value: \(current.map(\.description) ?? "absent"))"
            default:
                failure = nil
            }
            if let failure {
                rollBack(&journal, to: mark)
                return .rejected(reason: "transaction \(branchName) operation \(position): \(failure); nothing applied")
            }
            results.append(result)
        }
        return .transaction(succeeded: conditionsHeld, results: results)
    }

    /// Whether `condition` holds in the current state.
    func holds(_ condition: Condition) -> Bool {
        switch condition {
        case .valueEquals(let key, let value):
            return entries[key]?.value == value?.canonical
        case .revisionEquals(let key, let revision):
            return (entries[key]?.revision ?? 0) == revision
        case .exists(let key):
            return entries[key] != nil
        case .absent(let key):
            return entries[key] == nil
        }
    }
}
