import ConsensusCore

/// The failure detector: when each peer was last heard from (in the machine's time), which ones
/// are unreachable, and which side of a partition this member is on.
///
/// Silence is counted in ticks this member has handled, not in time read off a clock: a member
/// too busy to handle its inputs (a loaded machine, a slow disk) also handles fewer ticks, so it
/// does not take its own backlog for a lost peer.
struct PeerHealth: Sendable {
    /// The tick count when each peer was last heard from.
    var lastHeard: [NodeID: UInt64] = [:]
    /// Ticks handled so far.
    var ticks: UInt64 = 0
    var unreachable: Set<NodeID> = []
    var partition: PartitionInfo?
    var pingSequence: UInt64 = 0

    mutating func reset(members: [NodeID]) {
        lastHeard = [:]
        unreachable = []
        partition = nil
        for m in members { lastHeard[m] = ticks }
    }

    /// Starts watching a member (as if just heard from) unless already watched.
    mutating func watch(_ peer: NodeID) {
        if lastHeard[peer] == nil { lastHeard[peer] = ticks }
    }

    mutating func forget(_ peer: NodeID) {
        lastHeard[peer] = nil
        unreachable.remove(peer)
    }

    /// The transport could not deliver to `peer`: nothing was heard, so nothing changes now; the
    /// detector reports it once `unreachableAfter` passes without news. (Kept as a hook: a
    /// transport's report does not by itself prove the peer is down.)
    mutating func sendFailed(to peer: NodeID) {}
}

/// Which peers this member can hear: pings to every member, `nodeUnreachable` /
/// `nodeReconnected` per peer, `partitionDetected` / `partitionHealed` for the cluster as this
/// member sees it.
extension NodeStateMachine {
    /// Every member's id (voters and learners), sorted.
    var memberIDs: [NodeID] { raft?.configuration.members ?? majority?.members.keys.sorted() ?? [] }

    /// The members whose votes count.
    var voterIDs: Set<NodeID> { raft?.configuration.voters ?? majority.map { Set($0.members.keys) } ?? [] }

    /// How many of ``voterIDs`` make a quorum (raft: a majority of voters; simple_majority:
    /// `ceil(quorum × members)`).
    var quorumSize: Int {
        if let r = raft { return r.configuration.quorum }
        return MajorityTally.quorumRequired(members: majority?.members.count ?? 1, quorum: configuration.quorum)
    }

    mutating func heard(from peer: NodeID) {
        health.lastHeard[peer] = health.ticks
        if health.unreachable.remove(peer) != nil, let name = name(of: peer) {
            emit(.nodeReconnected(name))
            updatePartition()
            // A simple_majority member catches up on what was accepted while it was away.
            if majority != nil { majorityReconnected(peer) }
        }
    }

    /// Once per tick: ping every member each heartbeat, and report those gone quiet.
    mutating func checkPeers() {
        guard isRunning else { return }
        health.ticks += 1
        health.pingSequence += 1
        let all = memberIDs
        let members = all.filter { $0 != numericID }
        if health.pingSequence % 2 == 0 {
            for peer in members { send(to: peer, .ping(sequence: health.pingSequence)) }
        }
        var changed = false
        for peer in members where !health.unreachable.contains(peer) {
            guard let last = health.lastHeard[peer] else {
                health.lastHeard[peer] = health.ticks
                continue
            }
            if health.ticks - last > unreachableTicks {
                health.unreachable.insert(peer)
                changed = true
                if let name = name(of: peer) { emit(.nodeUnreachable(name)) }
            }
        }
        // Members that left are no longer anyone's concern.
        let gone = health.unreachable.filter { !all.contains($0) }
        if !gone.isEmpty {
            health.unreachable.subtract(gone)
            changed = true
        }
        if changed { updatePartition() }
    }

    /// Recomputes which side of a partition this member is on and reports changes.
    mutating func updatePartition() {
        guard isRunning else { return }
        let members = memberIDs
        let lost = members.filter { health.unreachable.contains($0) }
        guard !lost.isEmpty else {
            if health.partition != nil {
                health.partition = nil
                emit(.partitionHealed)
            }
            return
        }
        let reachableVoters = voterIDs.filter { $0 == numericID || !health.unreachable.contains($0) }
        let info = PartitionInfo(
            side: reachableVoters.count >= quorumSize ? .majority : .minority,
            reachable: members.filter { !health.unreachable.contains($0) }.compactMap { name(of: $0) }.sorted(),
            unreachable: lost.compactMap { name(of: $0) }.sorted())
        if info != health.partition {
            health.partition = info
            emit(.partitionDetected(info))
            // Cut off from a quorum: reads waiting for a read point would only time out.
            if info.side == .minority { failUnconfirmedReads(.noQuorum) }
        }
    }

    /// The partition this member is in, if it cannot reach every member.
    public var currentPartition: PartitionInfo? { health.partition }

    /// Whether a peer was heard from within `unreachableAfter`.
    func isConnected(_ peer: NodeID) -> Bool {
        peer == numericID || (health.lastHeard[peer].map { health.ticks - $0 <= unreachableTicks } ?? false)
    }

    /// `unreachableAfter` in ticks (at least 2).
    var unreachableTicks: UInt64 {
        UInt64(max(2, (configuration.unreachableAfter / configuration.tickInterval).rounded(.up)))
    }
}
