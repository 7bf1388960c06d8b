import ConsensusCore
import ConsensusNetwork

/// Which peers this node can hear: pings to every member, `nodeUnreachable` and
/// `nodeReconnected` events.
extension ConsensusTrait {
    func heard(from peer: NodeID) {
        lastHeard[peer] = .now
        if unreachable.remove(peer) != nil, let name = name(of: peer) {
            hub.emit(.nodeReconnected(name))
        }
    }

    /// Once per tick: ping every member each heartbeat, and report those gone quiet.
    func checkPeers() {
        guard let r = raft else { return }
        pingSequence += 1
        let members = r.configuration.members.filter { $0 != numericID }
        if pingSequence % 2 == 0 {
            for peer in members { send(to: peer, .ping(sequence: pingSequence)) }
        }
        let cutoff = ContinuousClock.now - configuration.unreachableAfter
        for peer in members where !unreachable.contains(peer) {
            let last = lastHeard[peer] ?? .now
            if lastHeard[peer] == nil { lastHeard[peer] = last }
            if last < cutoff {
                unreachable.insert(peer)
                if let name = name(of: peer) { hub.emit(.nodeUnreachable(name)) }
            }
        }
    }
}
