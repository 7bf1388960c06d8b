import Consensus

/// Moving messages by hand: deliver, drop, step, stabilize; and the failure detector's pings,
/// which the network delivers on its own.
extension SteppedCluster {
    mutating func deliver(_ filter: StepMessageFilter) {
        guard let matches = matcher(filter) else { return }
        let taken = network.take(where: matches)
        if taken.isEmpty { out.append(.report("no message in flight matches \(filter)")) }
        for m in taken { hand(m) }
    }

    mutating func drop(_ filter: StepMessageFilter) {
        guard let matches = matcher(filter) else { return }
        let taken = network.take(where: matches)
        if taken.isEmpty { out.append(.report("no message in flight matches \(filter)")) }
        for m in taken { out.append(.dropped(stepMessage(m))) }
    }

    mutating func step() {
        guard let m = network.takeOldest() else { return out.append(.report("no message in flight")) }
        hand(m)
    }

    mutating func stabilize() {
        var deliveries = 0
        while let m = network.takeOldest() {
            hand(m)
            deliveries += 1
            if deliveries >= options.stabilizeDeliveriesMax, !network.queue.isEmpty {
                out.append(.refused("stabilize stopped after \(deliveries) deliveries with \(network.queue.count) messages still in flight (a livelock? try status)"))
                return
            }
        }
    }

    /// Hands a message taken off the wire to its receiver, or says why it was lost.
    mutating func hand(_ m: StepNetwork.InFlight) {
        let message = stepMessage(m)
        let shown = !StepNetwork.isBackground(m.message) || options.showsFailureDetector
        if network.isCut(m.from, m.to) {
            if shown { out.append(.lost(message, reason: "\(message.from) and \(message.to) are partitioned")) }
            return
        }
        guard members[m.to].isUp else {
            if shown { out.append(.lost(message, reason: "\(message.to) is down")) }
            return
        }
        if shown { out.append(.delivered(message)) }
        let leader = views[m.to]?.leader, term = members[m.to].machine?.raft?.term ?? 0
        let mark = out.count
        feed(m.to, .message(from: members[m.from].name, m.message))
        if let why = Self.ignored(m.message, leader: leader, term: term, answered: out[mark...].contains { $0.isReply(to: message) }) {
            out.append(.noticed(member: message.to, what: why))
        }
    }

    /// Why a vote request got no answer at all, which the transcript would otherwise leave
    /// unexplained: the core answers every vote request except one that is stale or that
    /// arrives during the leader lease.
    static func ignored(_ message: PeerMessage, leader: String?, term: UInt64, answered: Bool) -> String? {
        guard !answered, case .raft(let m) = message else { return nil }
        switch m.kind {
        case .vote(_, _, false), .preVote:
            if m.term > term, let leader {
                return "ignores it: it heard from its leader \(leader) within the minimum election timeout (leader lease)"
            }
            if m.term < term { return "ignores it: its own term \(term) is newer" }
            return nil
        default:
            return nil
        }
    }

    /// Delivers the failure detector's pings and the pongs they cause (a bounded number of
    /// rounds: every ping is answered once).
    mutating func deliverBackground() {
        for _ in 0..<4 {
            let batch = network.takeBackground()
            if batch.isEmpty { return }
            for m in batch { hand(m) }
        }
    }

    /// A predicate for `filter`, or `nil` after saying which member name is wrong.
    private mutating func matcher(_ filter: StepMessageFilter) -> ((StepNetwork.InFlight) -> Bool)? {
        let from = filter.from.map { resolve($0) }
        let to = filter.to.map { resolve($0) }
        if from == .some(nil) || to == .some(nil) { return nil }
        let sender = from ?? nil, receiver = to ?? nil
        return { m in (sender.map { $0 == m.from } ?? true) && (receiver.map { $0 == m.to } ?? true) }
    }
}
