import Consensus
import ConsensusCore

/// What the learner does to the cluster besides moving messages: time, elections, crashes,
/// restarts and partitions.
extension SteppedCluster {
    /// The most heartbeat intervals one `tick` advances.
    static let tickCountMax = 10_000

    mutating func tick(_ count: Int, member: String?) {
        guard (1...Self.tickCountMax).contains(count) else {
            return out.append(.refused("tick takes a count of 1...\(Self.tickCountMax) heartbeat intervals (got \(count))"))
        }
        var targets = Array(members.indices)
        if let member {
            guard let i = resolve(member) else { return }
            targets = [i]
        }
        let time = (targets.map { clocks[$0] }.max()! + UInt64(2 * count)) / 2
        out.append(.ticked(count: count, member: member.map { _ in members[targets[0]].name }, time: Int(time)))
        for _ in 0..<count {
            // A member handles two ticks of its own per heartbeat interval.
            for _ in 0..<2 {
                for i in targets {
                    clocks[i] += 1
                    guard members[i].isUp else { continue }
                    if let at = wakeUps[i], at <= clocks[i] {
                        wakeUps[i] = nil
                        feed(i, .wakeUp)
                    }
                    feed(i, .tick)
                }
            }
            // Pings travel every heartbeat, so that no member takes a quiet command for a lost peer.
            deliverBackground()
        }
    }

    mutating func campaign(_ member: String) {
        guard let i = resolve(member) else { return }
        let name = members[i].name
        guard options.mechanism == .raft else { return out.append(.refused("simple_majority has no leader and no elections")) }
        guard let raft = members[i].machine?.raft else { return out.append(.refused("\(name) is down: restart \(name) first")) }
        if raft.isLeader { return out.append(.report("\(name) already leads term \(raft.term)")) }
        out.append(.campaigned(name))
        feed(i, .campaign)
    }

    mutating func crash(_ member: String) {
        guard let i = resolve(member) else { return }
        let name = members[i].name
        guard members[i].isUp else { return out.append(.refused("\(name) is already down (restart \(name) brings it back)")) }
        out.append(.crashed(name))
        members[i].machine = nil
        members[i].unsynced = nil
        views[i] = nil
        wakeUps[i] = nil
        // Its connections are gone: what was on the way to it is lost.
        for m in network.take(where: { $0.to == i }) { out.append(.lost(stepMessage(m), reason: "\(name) crashed")) }
        out += clients.abandon(member: name, because: "\(name) crashed before answering: the outcome is unknown")
    }

    mutating func restart(_ member: String) {
        guard let i = resolve(member) else { return }
        let name = members[i].name
        guard !members[i].isUp else { return out.append(.refused("\(name) is running (crash \(name) first)")) }
        out.append(.restarted(name, disk: diskDescription(i)))
        boot(i)
    }

    mutating func partition(_ sides: [[String]]) {
        var indexes: [[Int]] = []
        for side in sides {
            var resolved: [Int] = []
            for name in side {
                guard let i = resolve(name) else { return }
                resolved.append(i)
            }
            indexes.append(resolved)
        }
        if indexes.count == 1 { indexes.append(members.indices.filter { !indexes[0].contains($0) }) }
        let all = indexes.flatMap { $0 }
        guard indexes.count >= 2, !indexes.contains(where: \.isEmpty) else {
            return out.append(.refused("a partition needs two non-empty sides: partition n1 | n2 n3 (or partition n1 to isolate n1)"))
        }
        guard Set(all).count == all.count else {
            return out.append(.refused("a member cannot be on two sides of a partition"))
        }
        network.partition(indexes)
        partitionSides = indexes.map { $0.sorted().map { members[$0].name } }
        out.append(.partitioned(partitionSides))
    }

    mutating func heal() {
        network.healAll()
        partitionSides = []
        out.append(.healed)
    }

    /// What member `i`'s disk holds: `term:2 vote:n1 commit:1 log:[1/1 noop, 2/2 put x=1]`.
    func diskDescription(_ i: Int) -> String {
        guard let state = members[i].restoredState(options.mechanism) else {
            return options.mechanism == .raft ? "empty" : "nothing (simple_majority keeps no state)"
        }
        let h = state.hardState
        let snapshot = state.snapshot.metadata.index > 0 ? " snapshot:\(state.snapshot.metadata.term)/\(state.snapshot.metadata.index)" : ""
        return "term:\(h.term) vote:\(name(of: h.vote)) commit:\(h.commit)\(snapshot) log:[" + state.entries.map(StepFormat.entry).joined(separator: ", ") + "]"
    }

    /// A member's name from the core's id (`-`: none).
    func name(of id: NodeID?) -> String {
        guard let id else { return "-" }
        return members.first { $0.id == id }?.name ?? String(id, radix: 16)
    }
}
