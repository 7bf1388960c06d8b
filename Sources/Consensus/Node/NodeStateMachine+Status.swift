import ConsensusCore

/// What a member knows of itself and the cluster: pure reads of the machine.
extension NodeStateMachine {
    /// Every member (voters and learners) with its address, role and whether it is reachable.
    public var nodes: [NodeStatus] {
        let voters = voterIDs
        return memberIDs.map { id in
            NodeStatus(
                info: directory[id] ?? NodeInfo(id: String(id, radix: 16)),
                membership: voters.contains(id) ? .voter : .learner,
                isLeader: raft?.leader == id, isSelf: id == numericID, connected: isConnected(id))
        }.sorted { $0.id < $1.id }
    }

    /// Whether a ``NodeDirective/persist(_:)`` waits for ``NodeInput/persisted`` (inputs that need
    /// the core wait meanwhile).
    public var isAwaitingPersist: Bool { persisting != nil }

    /// Inputs waiting for the write in flight.
    public var deferredInputCount: Int { inbox.count + (tickDeferred ? 1 : 0) }

    /// The leader this member knows of, if any.
    public var leaderInfo: NodeInfo? {
        guard let id = raft?.leader else { return nil }
        return directory[id] ?? NodeInfo(id: String(id, radix: 16))
    }

    /// A picture of this member's state (the lesson's `getDebugState`).
    public var debugState: DebugState {
        var state = DebugState(
            nodeID: nodeID, currentTerm: 0, role: .stopped, mechanism: configuration.mechanism, leaderID: nil, votedFor: nil,
            commitIndex: 0, appliedIndex: store.appliedIndex, logLength: 0, firstIndex: 0, lastIndex: 0,
            snapshotIndex: lastSnapshotIndex, voters: [], learners: [], matchIndex: [:], keys: keys(withPrefix: "").count,
            running: isRunning, pendingProposals: proposals.values.filter { $0.request != nil }.count, pendingReads: reads.count)
        if let m = majority {
            state.currentTerm = m.lamport
            state.role = .member
            state.appliedIndex = 0
            state.snapshotIndex = 0
            state.voters = m.members.values.map(\.id).sorted()
            return state
        }
        guard let r = raft else { return state }
        let s = r.status
        var match: [String: UInt64] = [:]
        for (id, p) in s.progress { match[name(of: id) ?? String(id)] = p.match }
        state.currentTerm = s.term
        state.role = NodeRole(s.role)
        state.leaderID = name(of: s.leader)
        state.votedFor = name(of: s.vote)
        state.commitIndex = s.commitIndex
        state.logLength = Int(s.lastIndex + 1 - s.firstIndex)
        state.firstIndex = s.firstIndex
        state.lastIndex = s.lastIndex
        state.voters = s.configuration.voters.compactMap { name(of: $0) }.sorted()
        state.learners = s.configuration.learners.compactMap { name(of: $0) }.sorted()
        state.matchIndex = match
        return state
    }
}
