import Consensus
import ConsensusTesting

extension SessionHistory {
    /// `history`: one row per operation with its outcome.
    public var listing: ReplOutput {
        guard !entries.isEmpty else { return ReplOutput(text: "no operations yet (put, get, cas, lock, counter ... are recorded)", json: ["operations": []]) }
        var rows = [["#", "MEMBER", "OPERATION", "OUTCOME", "REPLY"]]
        var json: [ConsensusValue] = []
        for (n, e) in entries.enumerated() {
            var outcome = "", detail = ""
            switch e.outcome {
            case .ok(let reply): (outcome, detail) = ("ok", ReplyText.describe(e.request, reply))
            case .failed(let message): (outcome, detail) = ("failed", message)
            case .unknown(let message): (outcome, detail) = ("unknown", message)
            }
            rows.append(["\(n + 1)", e.member, Self.summary(e.request), outcome, detail])
            json.append(["operation": .string(Self.summary(e.request)), "member": .string(e.member), "outcome": .string(outcome),
                         "detail": .string(detail), "startUs": .int(e.start), "endUs": .int(e.end)])
        }
        return ReplOutput(text: TextTable.render(rows), json: ["operations": .array(json)])
    }

    /// `check`: the linearizability checker's verdict on ``checkedOperations``.
    public func verdict(checker: LinearizabilityChecker = LinearizabilityChecker()) -> ReplOutput {
        let operations = checkedOperations
        let skipped = entries.count - operations.count
        let untracked = keysOfTransactions.sorted()
        let note = (skipped > 0 ? " (\(skipped) left out: failed operations, local reads and lock displays" : "")
            + (untracked.isEmpty ? "" : (skipped > 0 ? "; " : " (") + "keys of transactions, which the checker does not model: "
               + untracked.joined(separator: " ")) + (skipped > 0 || !untracked.isEmpty ? ")" : "")
        let result = checker.check(operations)
        let text: String
        switch result {
        case .linearizable:
            text = "linearizable: the \(operations.count) checked operations\(note) fit one order consistent with real time"
        case .notLinearizable(let key, let explanation):
            text = "not linearizable (\(key)): \(explanation)"
        case .budgetExhausted:
            text = "\(result)"
        }
        return ReplOutput(text: text, json: ["linearizable": .bool(result.isLinearizable), "checked": .int(Int64(operations.count)),
                                             "verdict": .string(text)], failed: !result.isLinearizable)
    }

    /// A request in the REPL's words, as `put greeting "hello"`.
    static func summary(_ request: ClientRequest) -> String {
        switch request {
        case .status: return "status"
        case .put(let key, let value): return "put \(key) \(value)"
        case .get(let key, let local): return "get \(key)" + (local ? " --local" : "")
        case .delete(let key): return "delete \(key)"
        case .compareAndSwap(let key, let expected, let new): return "cas \(key) \(expected ?? .null) \(new ?? .null)"
        case .propose(let key, let value): return "result \(key) \(value)"
        case .pending: return "pending"
        case .vote(let id, let accept): return "vote \(id) \(accept ? "yes" : "no")"
        case .lockAcquire(let name, let holder, let ttl, _): return "lock acquire \(name) \(holder) \(ttl)ms"
        case .lockRenew(let name, let holder, let token, let ttl): return "lock renew \(name) \(holder) \(token) \(ttl)ms"
        case .lockRelease(let name, let holder, let token): return "lock release \(name) \(holder) \(token)"
        case .lockShow(let name): return "lock show \(name)"
        case .counterAdd(let name, let delta): return "counter add \(name) \(delta)"
        case .counterGet(let name): return "counter get \(name)"
        case .counterBatch(let ops): return "counter batch " + ops.map { "\($0.name)=\($0.delta)" }.joined(separator: " ")
        case .addMember(let id, let address): return "add-node \(id) \(address)"
        case .removeMember(let id): return "remove-node \(id)"
        case .transferLeader(let to): return "transfer-leader \(to)"
        case let .electCampaign(election, candidate, value, ttl, _): return "elect campaign \(election) \(candidate) \(value ?? .null) \(ttl)ms"
        case .electShow(let election): return "elect show \(election)"
        case let .electResign(election, candidate, token): return "elect resign \(election) \(candidate) \(token)"
        case .transaction(let body): return "txn \(body)"
        }
    }
}
