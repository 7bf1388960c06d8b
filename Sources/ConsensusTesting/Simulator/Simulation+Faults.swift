import ConsensusCore

/// "Swizzle-clog": cut links one at a time, then restore them one at a time in another random
/// order (from FoundationDB's simulator).
struct Swizzle: Sendable {
    var toCut: [(NodeID, NodeID)]
    var cutSoFar: [(NodeID, NodeID)] = []
    var restoring = false
    var nextMoveAt: UInt64
}

extension Simulation {
    mutating func injectFaults(_ p: FaultProfile) throws(InvariantChecker.Violation) {
        // Restarts that are due.
        for i in nodes.indices where !nodes[i].isUp && !nodes[i].retired {
            if let at = nodes[i].restartAt, at <= now { restart(i) }
        }
        if rng.chance(p.partition) { startPartition() }
        if rng.chance(p.heal) && (!network.cut.isEmpty || swizzle != nil) {
            network.healAll()
            swizzle = nil
            record("heal: all links restored")
        }
        advanceSwizzle()
        if rng.chance(p.crash) {
            let up = nodes.indices.filter { nodes[$0].isUp }
            if !up.isEmpty {
                let i = rng.pick(up)
                record("n\(nodes[i].id) crashes (unpersisted state lost)")
                crashNode(i)
            }
        }
        // Lost disks and membership changes together could leave no live quorum at all, which
        // no protocol survives; a run has one or the other.
        if p.membershipChange == 0 && rng.chance(p.diskCorruption) { corruptDisk() }
        if rng.chance(p.clockJump) {
            let i = rng.int(in: 0...(nodes.count - 1))
            let step = Int64(rng.int(in: 20...400)) * (rng.chance(0.5) ? 1 : -1)
            nodes[i].wallOffset += step
            record("n\(nodes[i].id)'s wall clock steps \(step > 0 ? "forward" : "back") \(abs(step)) ticks")
        }
        if rng.chance(p.leaderCrash), let l = currentLeader {
            record("n\(nodes[l].id) (leader) crashes")
            crashNode(l)
        }
        if rng.chance(p.membershipChange) { try changeMembership() }
        if rng.chance(p.leadershipTransfer) { try transferLeadership() }
        if rng.chance(p.propose) { try proposeBatch(count: rng.int(in: 1...4)) }
        retireRemovedNodes()
    }

    /// Damages a synced record on one node's disk and crashes it, so that it meets the damage
    /// when it restarts. Only a minority of the original voters ever lose their disk, so a
    /// quorum can survive.
    mutating func corruptDisk() {
        let alreadyDamaged = nodes.filter(\.damaged).count
        guard (alreadyDamaged + 1) * 2 < options.nodes else { return }
        let candidates = nodes.indices.filter { nodes[$0].isUp && !nodes[$0].damaged }
        guard !candidates.isEmpty else { return }
        let i = rng.pick(candidates)
        let flip = rng.chance(0.5)
        let damaged: String?
        if nodes[i].files != nil {
            damaged = nodes[i].files!.damage(&rng, flip: flip)
        } else {
            damaged = (flip ? nodes[i].disk.flipBit(&rng) : nodes[i].disk.misdirect(&rng)).map { "record \($0)" }
        }
        guard let what = damaged else { return }
        nodes[i].damaged = true
        record("n\(nodes[i].id) disk: \(flip ? "bit flip in" : "misdirected write over") \(what); it crashes")
        crashNode(i)
    }

    /// The node's process dies: its core is gone, its disk loses what was not synced.
    mutating func crashNode(_ i: Int) {
        nodes[i].raft = nil
        if nodes[i].files != nil {
            for line in nodes[i].files!.crash(&rng) { record("n\(nodes[i].id) disk after the crash: \(line)") }
        }
        scheduleRestart(i)
    }

    mutating func scheduleRestart(_ i: Int) {
        stats.crashes += 1
        nodes[i].restartAt = now + UInt64(rng.int(in: 5...60))
    }

    mutating func restart(_ i: Int) {
        do {
            try nodes[i].boot(options: options.raft, seed: rng.fork())
        } catch {
            nodes[i].lost = true
            nodes[i].retired = true
            stats.lostDisks += 1
            record("n\(nodes[i].id) refuses to start: \(error)")
            return
        }
        let r = nodes[i].raft!
        record("n\(nodes[i].id) restarts: term=\(r.term) vote=\(r.vote.map(String.init) ?? "none") commit=\(r.commitIndex) log=\(r.firstIndex)...\(r.lastIndex)")
    }

    // MARK: - Partitions

    mutating func startPartition() {
        let live = nodes.filter { !$0.retired }.map(\.id)
        guard live.count >= 2 else { return }
        stats.partitions += 1
        switch rng.int(in: 0...2) {
        case 0:
            var shuffled = live
            shuffled.shuffle(using: &rng)
            let k = rng.int(in: 1...(shuffled.count - 1))
            let a = Array(shuffled[..<k]).sorted(), b = Array(shuffled[k...]).sorted()
            for x in a { for y in b { network.cutLink(x, y) } }
            record("partition: \(a) | \(b)")
        case 1:
            guard let l = currentLeader else { return }
            let id = nodes[l].id
            for other in live where other != id { network.cutLink(id, other) }
            record("partition: leader n\(id) isolated")
        default:
            var links: [(NodeID, NodeID)] = []
            for (n, x) in live.enumerated() { for y in live[(n + 1)...] { links.append((x, y)) } }
            links.shuffle(using: &rng)
            swizzle = Swizzle(toCut: Array(links.prefix(rng.int(in: 1...links.count))), nextMoveAt: now)
            record("swizzle-clog: cutting \(swizzle!.toCut.count) links one by one")
        }
    }

    mutating func advanceSwizzle() {
        guard var s = swizzle, now >= s.nextMoveAt else { return }
        s.nextMoveAt = now + UInt64(rng.int(in: 2...10))
        if !s.restoring {
            let (a, b) = s.toCut.removeFirst()
            network.cutLink(a, b)
            s.cutSoFar.append((a, b))
            record("swizzle-clog: cut n\(a)-n\(b)")
            if s.toCut.isEmpty {
                s.restoring = true
                s.cutSoFar.shuffle(using: &rng)
            }
        } else {
            let (a, b) = s.cutSoFar.removeFirst()
            network.restoreLink(a, b)
            record("swizzle-clog: restored n\(a)-n\(b)")
            if s.cutSoFar.isEmpty {
                swizzle = nil
                return
            }
        }
        swizzle = s
    }

    // MARK: - Client load and operations

    mutating func proposeBatch(count: Int) throws(InvariantChecker.Violation) {
        guard let l = currentLeader else { return }
        var batch: [[UInt8]] = []
        for _ in 0..<count {
            batch.append(Self.proposalBytes(nextProposal))
            nextProposal += 1
        }
        if (try? nodes[l].raft!.propose(batch: batch)) != nil { stats.proposals += count }
        try drain(l, faults)
    }

    mutating func changeMembership() throws(InvariantChecker.Violation) {
        guard let l = currentLeader else { return }
        let raft = nodes[l].raft!
        let config = raft.configuration
        let change: ConfigChange
        let learners = config.learners.sorted()
        let voters = config.voters.sorted()
        switch rng.int(in: 0...3) {
        case 0 where !learners.isEmpty:
            let id = rng.pick(learners)
            guard let p = raft.status.progress[id], p.match + 5 >= raft.lastIndex else { return }
            change = .promote(id)
        case 1 where voters.count > 2:
            change = .remove(rng.pick(voters))
        case 2 where !learners.isEmpty && rng.chance(0.3):
            change = .remove(rng.pick(learners))
        default:
            guard nodes.count < options.nodes + 4 else { return }
            change = .addLearner(nextNodeID)
        }
        do {
            let index = try nodes[l].raft!.proposeConfigChange(change)
            stats.membershipChanges += 1
            record("n\(nodes[l].id) proposes \(change) at \(index)")
            if case .addLearner(let id) = change {
                precondition(id == nextNodeID)
                var node = SimulatedNode(id: id, storage: .empty)
                if options.fileStorage { node.files = FileDisk(directory: "/node-\(id)", initial: .empty) }
                try? node.boot(options: options.raft, seed: rng.fork())
                nodes.append(node)
                nextNodeID += 1
            }
        } catch {
            record("n\(nodes[l].id) refuses \(change): \(error)")
        }
        try drain(l, faults)
    }

    mutating func transferLeadership() throws(InvariantChecker.Violation) {
        guard let l = currentLeader else { return }
        let others = nodes[l].raft!.configuration.voters.sorted().filter { $0 != nodes[l].id }
        guard !others.isEmpty else { return }
        let target = rng.pick(others)
        do {
            try nodes[l].raft!.transferLeadership(to: target)
            stats.transfers += 1
            record("n\(nodes[l].id) transfers leadership to n\(target)")
        } catch {
            record("n\(nodes[l].id) refuses transfer to n\(target): \(error)")
        }
        try drain(l, faults)
    }

    /// A node whose removal the current leader has committed is shut down for good, as an
    /// operator would.
    mutating func retireRemovedNodes() {
        guard let l = currentLeader else { return }
        let raft = nodes[l].raft!
        guard raft.lastConfigurationIndex <= raft.commitIndex else { return }
        for id in raft.configuration.members { committedMembers.insert(id) }
        for i in nodes.indices where !nodes[i].retired && !raft.configuration.contains(nodes[i].id) {
            // Only nodes that were in a committed configuration: a learner whose addition is not
            // committed yet may still come back with a later leader.
            guard committedMembers.contains(nodes[i].id) else { continue }
            nodes[i].retired = true
            nodes[i].raft = nil
            record("n\(nodes[i].id) retired (no longer a member)")
        }
    }

    // MARK: - Liveness

    /// Heals everything, restarts every crashed member, and requires a leader and a committed
    /// proposal on every member within `livenessTicks`.
    mutating func checkLiveness() throws(InvariantChecker.Violation) {
        network.healAll()
        swizzle = nil
        for i in nodes.indices where !nodes[i].isUp && !nodes[i].retired { restart(i) }
        record("calm: faults stop, all links healed, all nodes up")
        let calm = FaultProfile.calm
        let deadline = now + UInt64(options.livenessTicks)
        var probe: (leader: NodeID, term: Term, index: LogIndex)?
        while now < deadline {
            try step(calm)
            guard let l = currentLeader else { continue }
            let raft = nodes[l].raft!
            if probe == nil || probe!.leader != raft.id || probe!.term != raft.term {
                let data = Self.proposalBytes(nextProposal)
                nextProposal += 1
                if let index = try? nodes[l].raft!.propose(data) {
                    probe = (raft.id, raft.term, index)
                    try drain(l, calm)
                }
                continue
            }
            let p = probe!
            guard checker.committedTerm(at: p.index) == p.term else { continue }
            let members = raft.configuration.members
            let caughtUp = members.allSatisfy { id in
                guard let i = index(of: id) else { return false }
                if nodes[i].lost { return true }
                guard nodes[i].isUp else { return false }
                return nodes[i].appliedIndex >= p.index
            }
            if caughtUp {
                record("liveness: n\(raft.id) leads term \(raft.term); entry \(p.index) applied on \(members)")
                return
            }
        }
        let roles = nodes.filter { !$0.retired }.map { n in
            n.raft.map { "n\(n.id):\($0.role)/t\($0.term)/c\($0.commitIndex)/a\(n.appliedIndex)" } ?? "n\(n.id):down"
        }
        var detail = "no leader with a proposal applied on all members within \(options.livenessTicks) calm ticks: \(roles.joined(separator: " "))"
        if let l = currentLeader, let r = nodes[l].raft {
            let progress = r.status.progress.sorted { $0.key < $1.key }
                .map { "n\($0.key):\($0.value.state) match=\($0.value.match) next=\($0.value.next)" }
            detail += "; leader n\(r.id) last=\(r.lastIndex) first=\(r.firstIndex) \(r.configuration) progress: \(progress.joined(separator: ", "))"
        }
        throw .init(property: "liveness", detail: detail)
    }

    /// The payload of the simulator's own proposal number `n` (eight bytes, little-endian).
    static func proposalBytes(_ n: UInt64) -> [UInt8] {
        var w = LittleEndian.Writer()
        w.u64(n)
        return w.bytes
    }
}
