import Consensus
import Hummingbird

// POST /v1/txn: conditions, then one of two operation lists, applied all-or-nothing at one log
// index. The bodies reuse the engine's JSON forms of `Condition` and `StoreOperation`.

/// `{"if": [conditions], "then": [operations], "else": [operations]}`; `if` and `else` may be
/// left out (no conditions: `then` runs).
struct TransactionRequest: Decodable {
    var `if`: [Condition]?
    var then: [StoreOperation]
    var `else`: [StoreOperation]?
}

/// Which branch ran (`succeeded`: the conditions held), at which log index, and the result of
/// each operation of that branch.
struct TransactionReply: ResponseEncodable {
    var succeeded: Bool
    var revision: UInt64
    var results: [OperationResult]
}

extension ConsensusAPI {
    /// The most operations a transaction may hold, both branches together.
    static let transactionOperationsMax = 1_000

    func addTransactionRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/txn") { request, _ -> TransactionReply in
            let txn = try await body(TransactionRequest.self, request)
            let transaction = Transaction(conditions: txn.if ?? [], success: txn.then, failure: txn.else ?? [])
            try Self.validate(transaction)
            let (result, index) = try await appliedWithResult(.transaction(transaction))
            guard case let .transaction(succeeded, results) = result else { throw Self.unexpected(result) }
            return TransactionReply(succeeded: succeeded, revision: index, results: results)
        }
    }

    /// Refuses, before anything is proposed, what the state machine would refuse at apply time:
    /// a definite `bad_request` instead of a logged entry that changes nothing.
    static func validate(_ transaction: Transaction) throws(APIError) {
        let count = transaction.success.count + transaction.failure.count
        guard count > 0 else { throw APIError.badRequest("field 'then': at least one operation (or one in 'else')") }
        guard count <= transactionOperationsMax else {
            throw APIError.badRequest("a transaction holds at most \(transactionOperationsMax) operations, this one \(count)")
        }
        for (field, branch) in [("then", transaction.success), ("else", transaction.failure)] {
            for (position, operation) in branch.enumerated() {
                switch operation {
                case .put, .delete, .compareAndSwap, .counterAdd, .counterBatch:
                    continue
                case .transaction:
                    throw APIError.badRequest("field '\(field)[\(position)]': transactions cannot be nested")
                case .lockAcquire, .lockRenew, .lockRelease:
                    throw APIError.badRequest("field '\(field)[\(position)]': lock operations are not allowed in a transaction (use /v1/locks)")
                }
            }
        }
    }
}
