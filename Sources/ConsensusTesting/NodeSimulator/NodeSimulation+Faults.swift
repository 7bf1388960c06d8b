import Consensus
import ConsensusCore

/// The fault phase's weather, and the calm phase that follows it.
extension NodeSimulation {
    mutating func injectFaults(_ f: NodeFaults) throws(InvariantChecker.Violation) {
        for i in members.indices where !members[i].isUp {
            if let at = members[i].restartAt, at <= now {
                record("\(members[i].name) restarts")
                try boot(i)
            }
        }
        if options.weather == .stuckClients { return try stuckClientsWeather() }
        if network.hasPartition && rng.chance(f.heal) {
            network.healAll()
            record("heal")
        } else if !network.hasPartition && rng.chance(f.partition) {
            var shuffled = Array(members.indices)
            for k in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(k, rng.int(in: 0...k)) }
            let cutAt = rng.int(in: 1...max(1, members.count - 1))
            let a = Array(shuffled.prefix(cutAt)), b = Array(shuffled.dropFirst(cutAt))
            network.partition(a, b)
            stats.partitions += 1
            record("partition \(a.map { members[$0].name }) | \(b.map { members[$0].name })")
        }
        if rng.chance(f.crash) {
            let up = members.indices.filter { members[$0].isUp }
            // Keep a majority up, so that the run makes progress.
            if up.count > members.count / 2 + 1 || (up.count > 1 && rng.chance(0.1)) {
                let i = rng.pick(up)
                record("\(members[i].name) crashes")
                crash(i)
            }
        }
    }

    /// Isolates the leader once it is stable, pins some clients to it, and heals near the end.
    private mutating func stuckClientsWeather() throws(InvariantChecker.Violation) {
        let healAt = UInt64(options.steps) * 3 / 4
        if stuck == nil, now >= 40, now < healAt, let leader = currentLeader {
            let others = members.indices.filter { $0 != leader }
            network.partition([leader], others)
            let pinned = Set((0..<clients.count).filter { $0 % 2 == 0 })
            stuck = (leader, pinned)
            stats.partitions += 1
            record("isolate the leader \(members[leader].name); clients \(pinned.sorted()) stay on it")
        } else if stuck != nil, now == healAt {
            network.healAll()
            record("heal")
        }
    }

    /// Heals everything, restarts every member, and lets the cluster settle with clients idle.
    mutating func calmDown() throws(InvariantChecker.Violation) {
        network.healAll()
        stuck = nil
        record("calm: heal, restart everyone, settle")
        for i in members.indices where !members[i].isUp { try boot(i) }
        for _ in 0..<150 { try step(.calm, clientsActive: false) }
        // Clients that still wait hear nothing more: unknown.
        for c in clients.indices { giveUp(c) }
    }
}
