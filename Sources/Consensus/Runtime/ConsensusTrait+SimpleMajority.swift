import ConsensusCore
import ConsensusNetwork
import Foundation

/// simple_majority: leaderless voting with a quorum fraction and a timeout.
///
/// A proposal goes to every member; each votes by its ``VotePolicy`` (or by hand with
/// ``vote(_:accept:)``). It is accepted when `votes.for >= ceil(quorum * members)` before the
/// timeout, and the accepted value is then applied on every reachable member, which emits
/// `consensusAccepted`. Concurrent accepted writes to one key are ordered by a Lamport stamp
/// (then the proposer's id): every member keeps the highest, whatever order they arrive in. A
/// member that was away asks its peers for their accepted writes when it hears them again.
///
/// Guarantees, plainly: quick (one round trip) and eventually convergent, but **not
/// linearizable**. Two proposals on one key can both be accepted, and the one with the higher
/// stamp wins even if it was accepted first; a read on one member can miss a write another
/// member already saw; a member on the minority side of a partition keeps serving old values.
/// Compare-and-swap, locks and counters need a total order and therefore need `.raft`.
extension ConsensusTrait {
    /// Sets how this member votes on proposals it receives (and on its own).
    public func setVotePolicy(_ policy: VotePolicy) {
        majority?.policy = policy
    }

    /// Proposals waiting for this member's vote (with the `.manual` policy).
    public var pendingProposals: [PendingProposal] {
        (majority?.pending.values.map(\.proposal) ?? []).sorted { $0.proposalID < $1.proposalID }
    }

    /// Votes on a pending proposal by hand.
    public func vote(_ proposalID: String, accept: Bool) throws(ConsensusError) {
        guard majority != nil else {
            throw configuration.mechanism == .raft
                ? .unsupported("vote(_:accept:) is for simple_majority; Raft members vote on leaders, not proposals")
                : .notRunning
        }
        guard let p = majority!.pending.removeValue(forKey: proposalID) else {
            throw .rejected(reason: "no pending proposal \(proposalID); see pendingProposals")
        }
        deliverVote(to: p.proposer, sequence: p.sequence, accept: accept)
    }

    func startMajority() {
        var members = Set([numericID])
        if case .newCluster(let infos)? = configuration.bootstrap {
            for info in infos {
                let id = NodeInfo.numericID(info.id)
                members.insert(id)
                directory[id] = info
            }
        }
        majority = MajorityState(members: members)
        for peer in members where peer != numericID {
            lastHeard[peer] = .now
            send(to: peer, .majoritySyncRequest)
        }
    }

    /// The majority path of ``proposeWithResult(_:_:)`` and ``delete(_:)``.
    func majorityPropose(key: String, value: ConsensusValue?) async -> ProposalResult {
        var m = majority!
        nextSequence += 1
        m.lamport += 1
        let write = MajorityWrite(
            key: key, value: encode(value), stamp: WriteStamp(lamport: m.lamport, node: numericID), sequence: nextSequence)
        let tally = MajorityTally(members: m.members, quorum: configuration.quorum)
        majority = m
        // A minority cannot gather the quorum: say so now.
        let reachable = m.members.filter { $0 == numericID || !unreachable.contains($0) }.count
        if reachable < tally.quorumRequired {
            return majorityResult(write, value, tally, error: ConsensusError.noQuorum.description)
        }
        let timeout = configuration.timeout
        let sequence = write.sequence
        let result: ProposalResult = await withCheckedContinuation { continuation in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.finishRound(sequence, timedOut: true)
            }
            majority!.rounds[sequence] = .init(tally: tally, write: write, value: value, continuation: continuation, timer: timer)
            for peer in m.members.sorted() where peer != numericID { send(to: peer, .majorityPropose(write)) }
            receiveProposal(write, from: numericID)
        }
        return result
    }

    func handleMajority(_ message: PeerMessage, from peer: NodeID) {
        guard majority != nil else { return }
        switch message {
        case .majorityPropose(let write):
            majority!.lamport = max(majority!.lamport, write.stamp.lamport)
            receiveProposal(write, from: peer)
        case let .majorityVote(sequence, accept):
            guard majority!.rounds[sequence] != nil else { return }
            majority!.rounds[sequence]!.tally.record(peer, accept: accept)
            finishRound(sequence, timedOut: false)
        case .majorityCommit(let write):
            applyMajority(write)
        case .majoritySyncRequest:
            let writes = majority!.values.map { key, v in
                MajorityWrite(key: key, value: encode(v.value), stamp: v.stamp, sequence: v.sequence)
            }.sorted { $0.key < $1.key }
            send(to: peer, .majoritySync(writes))
        case .majoritySync(let writes):
            for w in writes { applyMajority(w) }
        default:
            break
        }
    }

    /// Votes on a proposal by policy, or holds it for a manual vote.
    private func receiveProposal(_ write: MajorityWrite, from proposer: NodeID) {
        let value = decode(write.value)
        switch majority!.policy {
        case .acceptAll:
            deliverVote(to: proposer, sequence: write.sequence, accept: true)
        case .validate(let check):
            deliverVote(to: proposer, sequence: write.sequence, accept: check(write.key, value))
        case .manual:
            let p = PendingProposal(proposalID: write.proposalID, key: write.key, value: value, proposer: name(of: proposer) ?? "?")
            majority!.pending[p.proposalID] = .init(proposal: p, proposer: proposer, sequence: write.sequence)
        }
    }

    private func deliverVote(to proposer: NodeID, sequence: UInt64, accept: Bool) {
        if proposer == numericID {
            guard majority?.rounds[sequence] != nil else { return }
            majority!.rounds[sequence]!.tally.record(numericID, accept: accept)
            finishRound(sequence, timedOut: false)
        } else {
            send(to: proposer, .majorityVote(sequence: sequence, accept: accept))
        }
    }

    /// Resolves a round once its outcome is known (or its time is up).
    private func finishRound(_ sequence: UInt64, timedOut: Bool) {
        guard let round = majority?.rounds[sequence] else { return }
        let outcome = round.tally.outcome
        if outcome == .pending && !timedOut { return }
        majority!.rounds[sequence] = nil
        round.timer.cancel()
        // Withdraw our own pending manual vote on it, if any.
        majority!.pending[round.write.proposalID] = nil
        let t = round.tally
        switch outcome {
        case .accepted:
            for peer in majority!.members.sorted() where peer != numericID { send(to: peer, .majorityCommit(round.write)) }
            applyMajority(round.write)
            round.continuation.resume(returning: majorityResult(round.write, round.value, t, error: nil))
        case .rejected:
            round.continuation.resume(returning: majorityResult(
                round.write, round.value, t,
                error: "rejected: \(t.votesFor) for, \(t.votesAgainst) against, \(t.quorumRequired) of \(t.members.count) needed"))
        case .pending:
            round.continuation.resume(returning: majorityResult(
                round.write, round.value, t,
                error: "timed out after \(configuration.timeout): \(t.votesFor) for, \(t.votesAgainst) against, \(t.quorumRequired) of \(t.members.count) needed"))
        }
    }

    private func majorityResult(_ write: MajorityWrite, _ value: ConsensusValue?, _ t: MajorityTally, error: String?) -> ProposalResult {
        ProposalResult(
            proposalID: write.proposalID, accepted: error == nil, key: write.key, value: value,
            votes: .init(for: t.votesFor, against: t.votesAgainst, total: t.members.count),
            quorumRequired: t.quorumRequired, error: error, index: nil, result: nil)
    }

    /// Keeps the write if its stamp is the highest seen for its key.
    private func applyMajority(_ write: MajorityWrite) {
        majority!.lamport = max(majority!.lamport, write.stamp.lamport)
        let old = majority!.values[write.key]
        if let old, old.stamp >= write.stamp { return }
        let value = decode(write.value)
        majority!.values[write.key] = (value, write.stamp, write.sequence)
        if old?.value != value { hub.emit(.stateChanged(key: write.key, newValue: value, oldValue: old?.value ?? nil)) }
        let members = majority!.members.count
        hub.emit(.consensusAccepted(ProposalResult(
            proposalID: write.proposalID, accepted: true, key: write.key, value: value,
            votes: .init(for: MajorityTally.quorumRequired(members: members, quorum: configuration.quorum), against: 0, total: members),
            quorumRequired: MajorityTally.quorumRequired(members: members, quorum: configuration.quorum),
            error: nil, index: nil, result: nil)))
    }

    private func encode(_ value: ConsensusValue?) -> [UInt8] {
        guard let value else { return [] }
        return (try? Array(JSONEncoder().encode(value))) ?? []
    }

    private func decode(_ bytes: [UInt8]) -> ConsensusValue? {
        bytes.isEmpty ? nil : try? JSONDecoder().decode(ConsensusValue.self, from: Data(bytes))
    }

    /// Adds a member to this node's view (simple_majority has no log to agree on membership
    /// through; every member must be told).
    func majorityAddMember(_ info: NodeInfo) {
        let id = NodeInfo.numericID(info.id)
        directory[id] = info
        majority?.members.insert(id)
        lastHeard[id] = .now
        send(to: id, .majoritySyncRequest)
    }

    func majorityRemoveMember(_ name: String) {
        let id = NodeInfo.numericID(name)
        majority?.members.remove(id)
        lastHeard[id] = nil
        unreachable.remove(id)
    }
}
