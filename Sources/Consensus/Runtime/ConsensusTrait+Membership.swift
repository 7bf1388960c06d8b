import ConsensusCore
import ConsensusNetwork

/// Cluster membership through consensus (the lesson's addNode / removeNode / getNodes).
extension ConsensusTrait {
    /// Keys under which member names, addresses and metadata are replicated.
    static var membersPrefix: String { "_cluster/nodes/" }

    /// Adds a member: records its address and metadata in the replicated state, adds it as a
    /// learner, waits until it has caught up with the log, then promotes it to voter. The new
    /// node must be running (started with `bootstrap: .join`) and reachable. Call on the leader.
    public func addNode(_ info: NodeInfo) async throws(ConsensusError) {
        if majority != nil { return majorityAddMember(info) }
        let id = NodeInfo.numericID(info.id)
        try requireLeader()
        directory[id] = info
        try await recordMember(info)
        if raft?.configuration.contains(id) != true {
            try await changeMembership(.addLearner(id))
        }
        if raft?.configuration.learners.contains(id) == true {
            try await waitForCatchUp(id)
            try await changeMembership(.promote(id))
        }
    }

    /// Removes a member through consensus. Removing the leader itself is allowed: it keeps
    /// leading until the change commits, then steps down.
    public func removeNode(_ name: String) async throws(ConsensusError) {
        if majority != nil { return majorityRemoveMember(name) }
        let id = NodeInfo.numericID(name)
        try requireLeader()
        guard raft?.configuration.contains(id) == true else {
            throw .membership("\(name) is not a member")
        }
        try await changeMembership(.remove(id))
        if raft?.isLeader == true {
            _ = try? await submit(.delete(key: Self.membersPrefix + name))
        }
        lastHeard[id] = nil
        unreachable.remove(id)
    }

    /// Every member (voters and learners) with its address, role and whether it is reachable.
    public var nodes: [NodeStatus] {
        let cutoff = ContinuousClock.now - configuration.unreachableAfter
        let voters = voterIDs
        return memberIDs.map { id in
            let connected = id == numericID || (lastHeard[id].map { $0 >= cutoff } ?? false)
            return NodeStatus(
                info: directory[id] ?? NodeInfo(id: String(id, radix: 16)),
                membership: voters.contains(id) ? .voter : .learner,
                isLeader: raft?.leader == id, isSelf: id == numericID, connected: connected)
        }.sorted { $0.id < $1.id }
    }

    /// The leader this node knows of, if any.
    public var leader: NodeInfo? {
        guard let id = raft?.leader else { return nil }
        return directory[id] ?? NodeInfo(id: String(id, radix: 16))
    }

    /// Whether this node leads.
    public var isLeader: Bool { raft?.isLeader ?? false }

    /// Leader-only calls fail fast elsewhere, naming the leader.
    func requireLeader() throws(ConsensusError) {
        if majority != nil { throw .unsupported("simple_majority has no leader") }
        guard let r = raft else { throw failure ?? .notRunning }
        guard r.isLeader else { throw .notLeader(leader: name(of: r.leader)) }
    }

    private func recordMember(_ info: NodeInfo) async throws(ConsensusError) {
        let value: ConsensusValue
        do { value = try ConsensusValue(encoding: info) } catch { throw .membership("cannot encode \(info.id): \(error)") }
        let result = try await submit(.put(key: Self.membersPrefix + info.id, value: value))
        guard result.accepted else { throw .membership("recording \(info.id) failed: \(result.error ?? "unknown")") }
    }

    /// Proposes one membership change and waits until this node has applied it. Retries while
    /// another change (or the new leader's first commit) is in progress, until the timeout.
    private func changeMembership(_ change: ConfigChange) async throws(ConsensusError) {
        let deadline = ContinuousClock.now + configuration.timeout
        while true {
            try requireLeader()
            do {
                let index = try raft!.proposeConfigChange(change)
                let term = raft!.term
                processReady()
                await waitUntilApplied(index)
                guard let r = raft else { throw ConsensusError.notRunning }
                // Our entry, not one that replaced it after a leader change.
                if r.term(at: index) == term || r.commitIndex >= index && r.configuration != Configuration() {
                    return
                }
                throw ConsensusError.membership("\(change) was overwritten by a new leader; retry")
            } catch let error as RaftError {
                switch error {
                case .configChangeInProgress, .transferInProgress:
                    guard ContinuousClock.now < deadline else { throw .timedOut }
                    try? await Task.sleep(for: configuration.tickInterval)
                case .invalidConfigChange(let e):
                    throw .membership("\(change): \(e)")
                case .notLeader(let l):
                    throw .notLeader(leader: name(of: l))
                default:
                    throw .membership("\(change): \(error)")
                }
            } catch let error as ConsensusError {
                throw error
            } catch {
                throw .membership("\(error)")
            }
        }
    }

    /// Waits until a learner's log is within a few entries of ours.
    private func waitForCatchUp(_ id: NodeID) async throws(ConsensusError) {
        let deadline = ContinuousClock.now + configuration.timeout * 4
        while true {
            try requireLeader()
            let r = raft!
            if let p = r.status.progress[id], p.match + 8 >= r.lastIndex { return }
            guard ContinuousClock.now < deadline else {
                throw .membership("\(name(of: id) ?? "node") did not catch up with the log in time; is it running and reachable?")
            }
            try? await Task.sleep(for: configuration.tickInterval)
        }
    }

    /// Records a member's name, address and metadata from its replicated record.
    func remember(_ record: ConsensusValue?) {
        guard let info = try? record?.decode(as: NodeInfo.self) else { return }
        directory[NodeInfo.numericID(info.id)] = info
    }

    /// Learns member names from the replicated member records.
    func learnMembers() {
        for key in store.keys(withPrefix: Self.membersPrefix) { remember(store.get(key)?.value) }
        for peer in raft?.configuration.members ?? [] where peer != numericID && lastHeard[peer] == nil {
            lastHeard[peer] = .now
        }
    }
}
