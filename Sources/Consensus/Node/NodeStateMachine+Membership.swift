import ConsensusCore

/// Cluster membership through consensus (the lesson's addNode / removeNode), raft mechanism.
extension NodeStateMachine {
    /// How far behind the leader's commit index a learner may be when it is promoted.
    static var catchUpSlack: LogIndex { 8 }

    mutating func startAddNode(_ request: RequestID, _ info: NodeInfo) {
        guard let error = leaderOnlyError() else {
            let id = NodeInfo.numericID(info.id)
            guard membershipJob == nil else {
                return answer(request, .failure(.membership("another membership change is in progress; retry when it is done")))
            }
            if raft!.configuration.voters.contains(id) {
                return answer(request, .failure(.membership("\(info.id) is already a voter")))
            }
            directory[id] = info
            let record: ConsensusValue
            do { record = try ConsensusValue(encoding: info) } catch {
                return answer(request, .failure(.invalidArgument("cannot encode \(info.id): \(error)")))
            }
            let proposal = proposeInternal(.put(key: MemberRecords.key(info.id), value: record))
            membershipJob = MembershipJob(request: request, target: info, step: .recording(proposal),
                                          deadline: now + configuration.timeout * 4, adding: true)
            return
        }
        answer(request, .failure(error))
    }

    mutating func startRemoveNode(_ request: RequestID, _ name: String) {
        if let error = leaderOnlyError() { return answer(request, .failure(error)) }
        let id = NodeInfo.numericID(name)
        guard raft!.configuration.contains(id) else { return answer(request, .failure(.membership("\(name) is not a member"))) }
        guard membershipJob == nil else {
            return answer(request, .failure(.membership("another membership change is in progress; retry when it is done")))
        }
        membershipJob = MembershipJob(request: request, target: directory[id] ?? NodeInfo(id: name), step: .proposing(.remove(id)),
                                      deadline: now + configuration.timeout, adding: false)
        advanceMembershipJob()
    }

    mutating func transferLeadership(_ request: RequestID, to target: String) {
        if majority != nil { return answer(request, .failure(.unsupported("simple_majority has no leader"))) }
        if let error = leaderOnlyError() { return answer(request, .failure(error)) }
        let targetID = NodeInfo.numericID(target)
        if targetID == numericID { return answer(request, .success(.done)) }
        guard transferJob == nil else {
            return answer(request, .failure(.membership("another leadership transfer is in progress; retry when it is done")))
        }
        do {
            try raft!.transferLeadership(to: targetID)
        } catch {
            return answer(request, .failure(.membership("cannot transfer leadership to \(target): \(error)")))
        }
        // Answered when the target leads, or when the transfer ends without it (§3.10 of the
        // dissertation: the leader abandons it after an election timeout).
        transferJob = TransferJob(request: request, target: target, deadline: now + configuration.electionTimeout.upperBound * 2)
        advanceTransferJob()
    }

    /// Answers the transfer under way once it is decided: the target leads (done), or it does
    /// not: the transfer was abandoned, someone else was elected, or its time ran out.
    mutating func advanceTransferJob() {
        guard let job = transferJob, let raft else { return }
        let targetID = NodeInfo.numericID(job.target)
        func finish(_ result: Result<NodeResponse, ConsensusError>) {
            transferJob = nil
            answer(job.request, result)
        }
        if raft.leader == targetID { return finish(.success(.done)) }
        if raft.isLeader && raft.leadTransferee != targetID {
            return finish(.failure(.membership("the transfer to \(job.target) was abandoned: it did not catch up and win within an election timeout; \(nodeID) still leads term \(raft.term)")))
        }
        if let other = raft.leader, other != numericID, other != targetID {
            return finish(.failure(.membership("\(job.target) did not become leader: \(name(of: other) ?? "another member") leads term \(raft.term)")))
        }
        if now >= job.deadline {
            finish(.failure(.membership("the transfer to \(job.target) did not finish in time: no leader known yet (an election may be under way; 'status' shows who leads)")))
        }
    }

    /// `nil` on the raft leader; otherwise why a leader-only call is refused.
    func leaderOnlyError() -> ConsensusError? {
        guard let r = raft else { return failure ?? .notRunning }
        return r.isLeader ? nil : .notLeader(leader: name(of: r.leader))
    }

    /// A proposal of the machine's own was applied.
    mutating func proposalApplied(_ id: ProposalID, index: LogIndex, result: OperationResult) {
        guard let job = membershipJob, case .recording(let recording) = job.step, recording == id else { return }
        let targetID = NodeInfo.numericID(job.target.id)
        membershipJob!.step = raft?.configuration.learners.contains(targetID) == true ? .catchingUp(targetID) : .proposing(.addLearner(targetID))
    }

    /// Moves the membership job on (after a tick or an applied batch).
    mutating func advanceMembershipJob() {
        guard var job = membershipJob, raft != nil, persisting == nil else { return }
        let targetID = NodeInfo.numericID(job.target.id)
        func finish(_ result: Result<NodeResponse, ConsensusError>) {
            membershipJob = nil
            answer(job.request, result)
        }
        // A change already in the log is judged by what was applied, leader or not (a leader that
        // removed itself steps down when the change applies).
        if case .applying = job.step {} else if !raft!.isLeader {
            return finish(.failure(.notLeader(leader: name(of: raft!.leader))))
        }
        if now >= job.deadline {
            if case .catchingUp = job.step {
                return finish(.failure(.membership("\(job.target.id) did not answer and catch up with the log in time; it stays a learner. Is it running (started to join) and reachable?")))
            }
            return finish(.failure(.timedOut))
        }
        switch job.step {
        case .recording:
            return
        case .proposing(let change):
            do {
                let index = try raft!.proposeConfigChange(change)
                job.step = .applying(change, index: index)
                membershipJob = job
            } catch {
                switch error {
                case .configChangeInProgress, .transferInProgress:
                    return   // again on the next tick
                case .invalidConfigChange(let e):
                    return finish(.failure(.membership("\(job.target.id): \(e)")))
                default:
                    return finish(.failure(.membership("\(job.target.id): \(error)")))
                }
            }
        case let .applying(change, index):
            guard store.appliedIndex >= index else { return }
            let configuration = raft!.configuration
            switch change {
            case .addLearner:
                guard configuration.contains(targetID) else { return finish(.failure(.membership("adding \(job.target.id) was overwritten by a new leader; retry"))) }
                if configuration.voters.contains(targetID) { return finish(.success(.done)) }
                job.step = .catchingUp(targetID)
                membershipJob = job
                advanceMembershipJob()
            case .promote:
                guard configuration.voters.contains(targetID) else { return finish(.failure(.membership("promoting \(job.target.id) was overwritten by a new leader; retry"))) }
                finish(.success(.done))
            case .remove:
                guard !configuration.contains(targetID) else { return finish(.failure(.membership("removing \(job.target.id) was overwritten by a new leader; retry"))) }
                health.forget(targetID)
                if raft?.isLeader == true { _ = proposeInternal(.delete(key: MemberRecords.key(job.target.id))) }
                finish(.success(.done))
            }
        case .catchingUp(let id):
            // Promote only a learner that has answered the leader (match > 0) and is close to
            // its commit index: a learner that never started must not become a voter.
            let r = raft!
            guard let p = r.status.progress[id], p.match > 0, p.match + Self.catchUpSlack >= r.commitIndex else { return }
            job.step = .proposing(.promote(id))
            membershipJob = job
            advanceMembershipJob()
        }
    }

    /// Records a member's name, address and metadata from its replicated record.
    mutating func remember(_ record: ConsensusValue?) {
        guard let info = try? record?.decode(as: NodeInfo.self) else { return }
        directory[NodeInfo.numericID(info.id)] = info
    }

    /// Learns member names from the replicated member records, and watches every member.
    mutating func learnMembers() {
        for key in store.keys(withPrefix: MemberRecords.prefix + "nodes/") { remember(store.get(key)?.value) }
        for peer in raft?.configuration.members ?? [] where peer != numericID { health.watch(peer) }
    }
}
