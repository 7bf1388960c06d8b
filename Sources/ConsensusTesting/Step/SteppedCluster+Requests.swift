import Consensus

/// Client requests: sent to one member, answered when that member answers (possibly several
/// commands later), recorded in the history that ``check()`` judges.
extension SteppedCluster {
    /// Sends `request` to `member` (`nil`: the leader, or the first member when none leads).
    mutating func send(_ request: StepRequest, to member: String?) {
        guard let i = member.map({ resolve($0) }) ?? (index(of: "leader") ?? 0) else { return }
        let name = members[i].name
        guard members[i].isUp else {
            out.append(.refused("\(name) is down: restart \(name), or ask another member"))
            return
        }
        let id = clients.invoke(request, member: name, checked: options.mechanism == .raft, at: historyTime())
        out.append(.requested(id, member: name, request))
        feed(i, .request(id, request.nodeRequest))
    }

    /// Why a local read on member `i` may be stale, when it may be.
    func staleness(of request: StepRequest, on i: Int) -> String? {
        switch request {
        case let .get(key, true), let .counterGet(key, true):
            guard let read = members[i].machine?.localRead(key), read.mayBeStale else { return nil }
            return "local read, may be stale: " + (read.staleReason ?? "not confirmed by a quorum")
        default:
            return nil
        }
    }

    /// Whether the client history is linearizable, by ``LinearizabilityChecker``. A key used
    /// both as a counter and as a plain value cannot be checked (the checker keeps the two
    /// apart) and is left out, and the verdict says so.
    /// - Returns: the verdict and the line `check` prints.
    public func check() -> (result: LinearizabilityResult, line: String) {
        guard options.mechanism == .raft else {
            return (.linearizable, "check: simple_majority is not linearizable by design; there is nothing to check")
        }
        var operations = clients.history.operations
        let registers = Set(operations.flatMap(\.action.resources).filter { $0.kind == .register }.map(\.name))
        let counters = Set(operations.flatMap(\.action.resources).filter { $0.kind == .counter }.map(\.name))
        let mixed = registers.intersection(counters)
        operations.removeAll { $0.action.resources.contains { mixed.contains($0.name) && $0.kind != .lock } }
        let result = LinearizabilityChecker(lockLapse: .notBefore).check(operations)
        let unknown = operations.filter { $0.outcome == .unknown }.count
        var line = "check: \(result) [\(operations.count) operations, \(unknown) with unknown outcome]"
        if !mixed.isEmpty { line += "; not checked (used both as a counter and as a value): " + mixed.sorted().joined(separator: " ") }
        return (result, line)
    }
}
