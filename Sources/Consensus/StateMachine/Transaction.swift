/// An all-or-nothing batch: if every condition holds, apply `success`, otherwise apply `failure`.
///
/// Branch operations may be `put`, `delete`, `compareAndSwap`, `counterAdd` and `counterBatch`.
/// A transaction containing a nested transaction or a lock operation (in either branch) is refused
/// as a whole. If any operation of the chosen branch cannot apply (a counter on a non-integer key,
/// an overflow, a compare-and-swap whose comparison fails...), none of the branch applies and the
/// result is ``OperationResult/rejected(reason:)`` naming the operation.
public struct Transaction: Sendable, Hashable, Codable {
    /// Checked against the state before any operation of the transaction applies.
    public var conditions: [Condition]
    /// Applied, in order, when every condition holds (also when there are no conditions).
    public var success: [StoreOperation]
    /// Applied, in order, when some condition does not hold.
    public var failure: [StoreOperation]

    /// Creates a transaction.
    /// - Parameters:
    ///   - conditions: the guard; all must hold for `success` to run.
    ///   - success: operations applied when the guard holds.
    ///   - failure: operations applied otherwise.
    public init(conditions: [Condition], success: [StoreOperation], failure: [StoreOperation] = []) {
        self.conditions = conditions
        self.success = success
        self.failure = failure
    }
}
