import ConsensusCore
import ConsensusNetwork

/// Which peers this node can hear: pings to every member, `nodeUnreachable` / `nodeReconnected`
/// per peer, and `partitionDetected` / `partitionHealed` for the cluster as this node sees it.
extension ConsensusTrait {
    func heard(from peer: NodeID) {
        lastHeard[peer] = .now
        if unreachable.remove(peer) != nil, let name = name(of: peer) {
            hub.emit(.nodeReconnected(name))
            updatePartition()
            // A simple_majority member catches up on what was accepted while it was away.
            if majority != nil { send(to: peer, .majoritySyncRequest) }
        }
    }

    /// Once per tick: ping every member each heartbeat, and report those gone quiet.
    func checkPeers() {
        guard isRunning else { return }
        pingSequence += 1
        let all = memberIDs
        let members = all.filter { $0 != numericID }
        if pingSequence % 2 == 0 {
            for peer in members { send(to: peer, .ping(sequence: pingSequence)) }
        }
        let cutoff = ContinuousClock.now - configuration.unreachableAfter
        var changed = false
        for peer in members where !unreachable.contains(peer) {
            let last = lastHeard[peer] ?? .now
            if lastHeard[peer] == nil { lastHeard[peer] = last }
            if last < cutoff {
                unreachable.insert(peer)
                changed = true
                if let name = name(of: peer) { hub.emit(.nodeUnreachable(name)) }
            }
        }
        // Members that left the configuration are no longer anyone's concern.
        let gone = unreachable.filter { !all.contains($0) }
        if !gone.isEmpty {
            unreachable.subtract(gone)
            changed = true
        }
        if changed { updatePartition() }
    }

    /// Recomputes which side of a partition this node is on and reports changes.
    func updatePartition() {
        guard isRunning else { return }
        let members = memberIDs
        let lost = members.filter { unreachable.contains($0) }
        guard !lost.isEmpty else {
            if partition != nil {
                partition = nil
                hub.emit(.partitionHealed)
            }
            return
        }
        let reachableVoters = voterIDs.filter { $0 == numericID || !unreachable.contains($0) }
        let info = PartitionInfo(
            side: reachableVoters.count >= quorumSize ? .majority : .minority,
            reachable: members.filter { !unreachable.contains($0) }.compactMap { name(of: $0) }.sorted(),
            unreachable: lost.compactMap { name(of: $0) }.sorted())
        if info != partition {
            partition = info
            hub.emit(.partitionDetected(info))
        }
    }

    /// The partition this node is in, if it cannot reach every member.
    public var currentPartition: PartitionInfo? { partition }

    /// Whether this node can reach a majority of the voters (itself included).
    public var hasQuorum: Bool { partition?.side != .minority }
}
