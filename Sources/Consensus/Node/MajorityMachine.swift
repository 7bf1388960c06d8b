import ConsensusCore
import ConsensusNetwork
import Foundation

/// The state of a member running simple_majority (see ``NodeStateMachine``).
struct MajorityMachine: Sendable {
    struct Round: Sendable {
        var tally: MajorityTally
        var write: MajorityWrite
        var value: ConsensusValue?
        var request: RequestID
        var deadline: Duration
    }

    struct Pending: Sendable {
        var proposal: PendingProposal
        var proposer: NodeID
        var sequence: UInt64
        /// After this the proposer's round is over: the vote could no longer count.
        var deadline: Duration
    }

    struct Accepted: Sendable {
        var value: ConsensusValue?
        var stamp: WriteStamp
        var sequence: UInt64
    }

    /// The shared membership (name and address by id), and its version.
    var members: [NodeID: NodeInfo]
    var membersVersion: UInt64 = 1
    /// The accepted value of each key with the stamp that wrote it (`nil`: deleted).
    var values: [String: Accepted] = [:]
    var lamport: UInt64 = 0
    var rounds: [UInt64: Round] = [:]
    var pending: [String: Pending] = [:]
    var policy: VotePolicy = .acceptAll
    /// Ticks since the last anti-entropy exchange, and the peer it goes to next.
    var ticksSinceSync = 0
    var syncCursor = 0
}

/// simple_majority: leaderless voting with a quorum fraction and a timeout.
///
/// A proposal goes to every member; each votes by its ``VotePolicy`` (or by hand). It is accepted
/// when `votes.for >= ceil(quorum × members)` before the timeout, and the accepted value is then
/// applied on every reachable member. Concurrent accepted writes to one key are ordered by a
/// Lamport stamp (then the proposer's id): every member keeps the highest. A member that was away
/// asks its peers for their accepted writes when it hears them again. Not linearizable.
extension NodeStateMachine {
    mutating func startMajority() {
        var members = [numericID: directory[numericID] ?? NodeInfo(id: nodeID)]
        if case .newCluster(let infos)? = configuration.bootstrap {
            for info in infos {
                let id = NodeInfo.numericID(info.id)
                members[id] = info
                directory[id] = info
            }
        }
        majority = MajorityMachine(members: members)
        health.reset(members: members.keys.filter { $0 != numericID }.sorted())
        for peer in members.keys.sorted() where peer != numericID { send(to: peer, .majoritySyncRequest) }
    }

    mutating func stopMajority() {
        guard let m = majority else { return }
        majority = nil
        for sequence in m.rounds.keys.sorted() {
            let round = m.rounds[sequence]!
            answer(round.request, .success(.proposal(majorityResult(round.write, round.value, round.tally, error: .notRunning))))
        }
    }

    /// Sets how this member votes on proposals it receives (and on its own).
    public mutating func setVotePolicy(_ policy: VotePolicy) {
        majority?.policy = policy
    }

    /// Proposals waiting for this member's vote (with the `.manual` policy).
    public var pendingProposals: [PendingProposal] {
        (majority?.pending.values.map(\.proposal) ?? []).sorted { $0.proposalID < $1.proposalID }
    }

    func majorityValue(_ key: String) -> KeyValueStore.Versioned? {
        guard let accepted = majority?.values[key], let value = accepted.value else { return nil }
        return KeyValueStore.Versioned(value: value, revision: accepted.stamp.lamport)
    }

    /// A client's proposal on simple_majority: puts and deletes only.
    mutating func majorityRequest(_ request: RequestID, _ operation: StoreOperation) {
        switch operation {
        case let .put(key, value): majorityPropose(request, key: key, value: value)
        case let .delete(key): majorityPropose(request, key: key, value: nil)
        default:
            answer(request, .failure(.unsupported("\(operation.summary.key): compare-and-swap, transactions, locks and counters need a total order of writes; use the raft mechanism")))
        }
    }

    private mutating func majorityPropose(_ request: RequestID, key: String, value: ConsensusValue?) {
        nextSequence += 1
        majority!.lamport += 1
        let write = MajorityWrite(key: key, value: Self.encode(value), stamp: WriteStamp(lamport: majority!.lamport, node: numericID), sequence: nextSequence)
        let tally = MajorityTally(members: Set(majority!.members.keys), quorum: configuration.quorum)
        if majority!.rounds.count >= configuration.limits.majorityRoundsMax {
            return answer(request, .success(.proposal(majorityResult(write, value, tally, error: .overloaded))))
        }
        // A minority cannot gather the quorum: say so now.
        let reachable = majority!.members.keys.filter { $0 == numericID || !health.unreachable.contains($0) }.count
        if reachable < tally.quorumRequired {
            return answer(request, .success(.proposal(majorityResult(write, value, tally, error: .noQuorum))))
        }
        majority!.rounds[write.sequence] = .init(tally: tally, write: write, value: value, request: request, deadline: now + configuration.timeout)
        for peer in majority!.members.keys.sorted() where peer != numericID { send(to: peer, .majorityPropose(write)) }
        receiveProposal(write, from: numericID)
    }

    mutating func handleMajority(_ message: PeerMessage, from peer: NodeID) {
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
            // Decided: it no longer waits for this member's vote.
            majority!.pending[write.proposalID] = nil
            applyMajority(write)
        case .majoritySyncRequest:
            let writes = majority!.values.map { key, v in
                MajorityWrite(key: key, value: Self.encode(v.value), stamp: v.stamp, sequence: v.sequence)
            }.sorted { $0.key < $1.key }
            send(to: peer, .majoritySync(writes))
            sendMembers(to: peer)
        case .majoritySync(let writes):
            for w in writes { applyMajority(w) }
        case let .majorityMembers(version, members):
            adoptMembers(version: version, members: members)
        default:
            break
        }
    }

    /// Anti-entropy: a commit message can be lost without anyone noticing a disconnection, so
    /// every `unreachableAfter` × 2 each member asks one peer (in turn) for its accepted writes
    /// and keeps the higher stamps. Once healed, every member converges on the same values.
    mutating func majorityAntiEntropy() {
        guard majority != nil else { return }
        majority!.ticksSinceSync += 1
        guard majority!.ticksSinceSync >= Int(unreachableTicks) * 2 else { return }
        majority!.ticksSinceSync = 0
        let peers = majority!.members.keys.filter { $0 != numericID }.sorted()
        guard !peers.isEmpty else { return }
        majority!.syncCursor = (majority!.syncCursor + 1) % peers.count
        send(to: peers[majority!.syncCursor], .majoritySyncRequest)
    }

    /// A peer was heard again after being unreachable: exchange accepted writes and membership.
    mutating func majorityReconnected(_ peer: NodeID) {
        send(to: peer, .majoritySyncRequest)
        sendMembers(to: peer)
    }

    /// Votes on a proposal by policy, or holds it for a manual vote.
    private mutating func receiveProposal(_ write: MajorityWrite, from proposer: NodeID) {
        let value = Self.decode(write.value)
        switch majority!.policy {
        case .acceptAll:
            deliverVote(to: proposer, sequence: write.sequence, accept: true)
        case .validate(let check):
            deliverVote(to: proposer, sequence: write.sequence, accept: check(write.key, value))
        case .manual:
            // Beyond the bound a proposal gets a "no" rather than waiting forever unseen.
            guard majority!.pending.count < configuration.limits.majorityRoundsMax else {
                return deliverVote(to: proposer, sequence: write.sequence, accept: false)
            }
            let p = PendingProposal(proposalID: write.proposalID, key: write.key, value: value, proposer: name(of: proposer) ?? "?")
            majority!.pending[p.proposalID] = .init(proposal: p, proposer: proposer, sequence: write.sequence, deadline: now + configuration.timeout)
        }
    }

    /// This member's manual vote on a pending proposal.
    mutating func majorityManualVote(_ request: RequestID, proposalID: String, accept: Bool) {
        guard majority != nil else {
            return answer(request, .failure(.unsupported("vote is for simple_majority; Raft members vote on leaders, not proposals")))
        }
        guard let p = majority!.pending.removeValue(forKey: proposalID) else {
            return answer(request, .failure(.rejected(reason: "no pending proposal \(proposalID); see pendingProposals")))
        }
        deliverVote(to: p.proposer, sequence: p.sequence, accept: accept)
        answer(request, .success(.done))
    }

    private mutating func deliverVote(to proposer: NodeID, sequence: UInt64, accept: Bool) {
        if proposer == numericID {
            guard majority?.rounds[sequence] != nil else { return }
            majority!.rounds[sequence]!.tally.record(numericID, accept: accept)
            finishRound(sequence, timedOut: false)
        } else {
            send(to: proposer, .majorityVote(sequence: sequence, accept: accept))
        }
    }

    mutating func expireMajorityRounds() {
        for sequence in majority!.rounds.keys.sorted() where majority!.rounds[sequence]!.deadline <= now {
            finishRound(sequence, timedOut: true)
        }
        majority!.pending = majority!.pending.filter { $0.value.deadline > now }
    }

    /// Resolves a round once its outcome is known (or its time is up).
    private mutating func finishRound(_ sequence: UInt64, timedOut: Bool) {
        guard let round = majority?.rounds[sequence] else { return }
        let outcome = round.tally.outcome
        if outcome == .pending && !timedOut { return }
        majority!.rounds[sequence] = nil
        majority!.pending[round.write.proposalID] = nil
        let t = round.tally
        switch outcome {
        case .accepted:
            for peer in majority!.members.keys.sorted() where peer != numericID { send(to: peer, .majorityCommit(round.write)) }
            applyMajority(round.write)
            answer(round.request, .success(.proposal(majorityResult(round.write, round.value, t, error: nil))))
        case .rejected:
            answer(round.request, .success(.proposal(majorityResult(round.write, round.value, t, error: .rejected(
                reason: "\(t.votesFor) for, \(t.votesAgainst) against, \(t.quorumRequired) of \(t.members.count) needed")))))
        case .pending:
            // Nobody applied it: the proposer never sent a commit, so it never will take effect.
            answer(round.request, .success(.proposal(majorityResult(round.write, round.value, t, error: .rejected(
                reason: "timed out after \(configuration.timeout): \(t.votesFor) for, \(t.votesAgainst) against, \(t.quorumRequired) of \(t.members.count) needed")))))
        }
    }

    private func majorityResult(_ write: MajorityWrite, _ value: ConsensusValue?, _ t: MajorityTally, error: ConsensusError?) -> ProposalResult {
        ProposalResult(
            proposalID: write.proposalID, accepted: error == nil, key: write.key, value: value,
            votes: .init(for: t.votesFor, against: t.votesAgainst, total: t.members.count),
            quorumRequired: t.quorumRequired, error: error?.description, errorCode: error?.code, index: nil, result: nil)
    }

    /// Keeps the write if its stamp is the highest seen for its key.
    private mutating func applyMajority(_ write: MajorityWrite) {
        majority!.lamport = max(majority!.lamport, write.stamp.lamport)
        let old = majority!.values[write.key]
        if let old, old.stamp >= write.stamp { return }
        let value = Self.decode(write.value)
        majority!.values[write.key] = .init(value: value, stamp: write.stamp, sequence: write.sequence)
        if old?.value != value { emit(.stateChanged(key: write.key, newValue: value, oldValue: old?.value ?? nil)) }
        let members = majority!.members.count
        let quorum = MajorityTally.quorumRequired(members: members, quorum: configuration.quorum)
        emit(.consensusAccepted(ProposalResult(
            proposalID: write.proposalID, accepted: true, key: write.key, value: value,
            votes: .init(for: quorum, against: 0, total: members), quorumRequired: quorum,
            error: nil, errorCode: nil, index: nil, result: nil)))
    }

    // MARK: - Membership (shared by every member)

    mutating func majorityAddMember(_ request: RequestID, _ info: NodeInfo) {
        let id = NodeInfo.numericID(info.id)
        directory[id] = info
        majority!.members[id] = info
        majority!.membersVersion += 1
        health.watch(id)
        broadcastMembers(also: id)
        send(to: id, .majoritySyncRequest)
        answer(request, .success(.done))
    }

    mutating func majorityRemoveMember(_ request: RequestID, _ name: String) {
        let id = NodeInfo.numericID(name)
        guard majority!.members[id] != nil else { return answer(request, .failure(.membership("\(name) is not a member"))) }
        majority!.members[id] = nil
        majority!.membersVersion += 1
        broadcastMembers(also: id)
        health.forget(id)
        updatePartition()
        answer(request, .success(.done))
    }

    private mutating func broadcastMembers(also extra: NodeID) {
        var targets = Set(majority!.members.keys)
        targets.insert(extra)
        for peer in targets.sorted() where peer != numericID { sendMembers(to: peer) }
    }

    private mutating func sendMembers(to peer: NodeID) {
        guard let m = majority else { return }
        var list: [String: String] = [:]
        for info in m.members.values { list[info.id] = info.address }
        send(to: peer, .majorityMembers(version: m.membersVersion, members: list))
    }

    /// Adopts a newer membership (ties: the larger list, then the smaller names, so that every
    /// member settles on the same one).
    private mutating func adoptMembers(version: UInt64, members list: [String: String]) {
        guard let m = majority else { return }
        let ours = m.members.values.map(\.id).sorted(), theirs = list.keys.sorted()
        let newer = version > m.membersVersion
            || version == m.membersVersion && (theirs.count > ours.count || theirs.count == ours.count && theirs.lexicographicallyPrecedes(ours))
        guard newer, theirs != ours || version != m.membersVersion else { return }
        var members: [NodeID: NodeInfo] = [:]
        for (name, address) in list {
            let id = NodeInfo.numericID(name)
            members[id] = directory[id].map { var i = $0; if !address.isEmpty { i.address = address }; return i } ?? NodeInfo(id: name, address: address)
            directory[id] = members[id]
        }
        guard members[numericID] != nil else {
            // This member was removed: it keeps its values but stops counting others.
            majority!.membersVersion = version
            majority!.members = [numericID: directory[numericID] ?? NodeInfo(id: nodeID)]
            health.reset(members: [])
            return
        }
        majority!.members = members
        majority!.membersVersion = version
        for id in members.keys where id != numericID { health.watch(id) }
        for id in health.lastHeard.keys where members[id] == nil { health.forget(id) }
        updatePartition()
    }

    static func encode(_ value: ConsensusValue?) -> [UInt8] {
        guard let value else { return [] }
        return (try? Array(JSONEncoder().encode(value))) ?? []
    }

    static func decode(_ bytes: [UInt8]) -> ConsensusValue? {
        bytes.isEmpty ? nil : try? JSONDecoder().decode(ConsensusValue.self, from: Data(bytes))
    }
}

extension MajorityWrite {
    /// The id shown to users: proposer (hex) and sequence, like ``ProposalID``.
    var proposalID: String { ProposalID(node: stamp.node, sequence: sequence).description }
}
