import Consensus
import ConsensusCore

/// simple_majority's promises, checked from outside the members: a proposal is accepted only with
/// at least `ceil(quorum × members)` votes; a value whose proposal was refused is never applied
/// anywhere; and once the world is healed, every member holds the same value for every key.
struct MajorityLedger: Sendable {
    /// Values proposed, by request.
    var proposals: [RequestID: StoreOperation] = [:]
    /// Values whose proposals were refused (they must never be applied).
    var refusedValues: Set<String> = []

    mutating func proposed(_ id: RequestID, _ operation: StoreOperation) { proposals[id] = operation }

    /// The quorum, computed here from the fraction rather than taken from the code under test.
    static func quorumRequired(members: Int, quorum: Double) -> Int {
        Int((quorum * Double(members)).rounded(.up))
    }
}

extension NodeSimulation {
    /// A simple_majority member answered a client's proposal.
    mutating func majorityAnswered(_ o: NodeClient.Outstanding, _ result: Result<NodeResponse, ConsensusError>, by i: Int) throws(InvariantChecker.Violation) {
        guard case .success(.proposal(let p)) = result else {
            if case .failure(let error) = result, error.code != .unsupported {
                throw .init(property: "simple_majority", detail: "a proposal was answered \(error) instead of a result")
            }
            return
        }
        let required = MajorityLedger.quorumRequired(members: options.members, quorum: options.quorum)
        if p.accepted {
            stats.accepted += 1
            guard p.quorumRequired == required, p.votes.for >= required, p.votes.total == options.members else {
                throw .init(property: "simple_majority quorum",
                            detail: "\(p.proposalID) on \(members[i].name) accepted with \(p.votes.for) of \(p.votes.total) votes, quorum \(p.quorumRequired); ceil(\(options.quorum) × \(options.members)) = \(required)")
            }
        } else {
            stats.rejected += 1
            if case let .put(_, value)? = o.operation { majorityLedger.refusedValues.insert(value.description) }
        }
    }

    /// After the calm phase: every member holds the same value for every key, and no refused value.
    func checkMajorityConvergence() throws(InvariantChecker.Violation) {
        let machines = members.compactMap(\.machine)
        var keys = Set<String>()
        for m in machines { keys.formUnion(m.keys(withPrefix: "")) }
        for key in keys.sorted() {
            let values = machines.map { $0.localRead(key).value }
            if Set(values.map { $0?.description ?? "absent" }).count > 1 {
                let shown = zip(machines, values).map { "\($0.0.nodeID)=\($0.1?.description ?? "absent")" }.joined(separator: " ")
                throw .init(property: "simple_majority convergence", detail: "after healing, members disagree on \(key): \(shown)")
            }
            if let v = values.first ?? nil, majorityLedger.refusedValues.contains(v.description) {
                throw .init(property: "simple_majority", detail: "\(key) holds \(v), whose proposal was refused")
            }
        }
    }

    /// The end of a run: liveness, then the mechanism's own checks.
    mutating func checkEnd() throws(InvariantChecker.Violation) {
        if options.mechanism == .simpleMajority { return try checkMajorityConvergence() }
        // Liveness: a leader, and a write through a follower (or the leader) that commits.
        guard let leader = currentLeader else {
            throw .init(property: "liveness", detail: "no leader 150 ticks after healing")
        }
        let member = members.indices.first { $0 != leader && members[$0].isUp } ?? leader
        let id = RequestID(UInt64.max - 1)
        requests[id] = 0
        clients[0].outstanding = .init(request: id, history: nil, member: member, deadline: .max, operation: .put(key: "liveness", value: true))
        try feed(member, .request(id, .propose(.put(key: "liveness", value: true))))
        var waited = 0
        func everywhere() -> Bool { !members.contains { $0.machine?.store.get("liveness") == nil } }
        while (clients[0].outstanding != nil || !everywhere()) && waited < 300 {
            try step(.calm, clientsActive: false)
            waited += 1
        }
        if clients[0].outstanding != nil || members.contains(where: { $0.machine?.store.get("liveness") == nil }) {
            let states = members.map { m -> String in
                guard let machine = m.machine, let r = machine.raft else { return "\(m.name): down" }
                return "\(m.name): \(r.role) term \(r.term) leader \(machine.debugState.leaderID ?? "-") commit \(r.commitIndex) applied \(machine.store.appliedIndex) last \(r.lastIndex) liveness \(machine.store.get("liveness") != nil) pending \(machine.debugState.pendingProposals) awaiting \(machine.isAwaitingPersist) unsynced \(m.unsynced != nil) inbox \(machine.deferredInputCount)"
            }
            throw .init(property: "liveness", detail: "a write through \(members[member].name) was not applied everywhere within 300 calm ticks (answer: \(lastUncheckedAnswer ?? "none")); " + states.joined(separator: "; "))
        }
        let result = LinearizabilityChecker(stateBudgetPerKey: options.checkerBudget).check(history.operations)
        guard result.isLinearizable else { throw .init(property: "linearizability", detail: result.description) }
    }
}
