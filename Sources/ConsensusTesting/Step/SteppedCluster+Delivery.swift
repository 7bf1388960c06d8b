import Consensus
import ConsensusCore

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
            let reason = "\(message.from) and \(message.to) are partitioned"
            if shown { out.append(.lost(message, reason: reason)) }
            recordBallot(message, .none("it never got the request: " + reason))
            return
        }
        guard members[m.to].isUp else {
            if shown { out.append(.lost(message, reason: "\(message.to) is down")) }
            recordBallot(message, .none("it never got the request: it is down"))
            return
        }
        if shown { out.append(.delivered(message)) }
        let leader = views[m.to]?.leader, term = members[m.to].machine?.raft?.term ?? 0
        let mark = out.count
        feed(m.to, .message(from: members[m.from].name, m.message))
        let reply = out[mark...].first { $0.isReply(to: message) }
        let ignored = Self.ignored(m.message, by: message.to, leader: leader, term: term, answered: reply != nil)
        if let ignored { out.append(.noticed(member: message.to, what: ignored)) }
        if case .sent(let answer, _)? = reply, case .raft(let r) = answer.message {
            switch r.kind {
            case .voteResponse(let granted), .preVoteResponse(let granted):
                recordBallot(message, granted ? .granted : .refused(voteRefusal(message, voter: m.to) ?? "no reason known"))
            default: break
            }
        } else if reply == nil {
            recordBallot(message, .none(ignored.map { $0.replacingOccurrences(of: "ignores it: ", with: "it ignored the request: ") } ?? "it did not answer"))
        }
    }

    /// Notes a vote or pre-vote request's fate in ``elections`` (other messages are skipped).
    mutating func recordBallot(_ message: StepMessage, _ answer: ElectionJournal.Answer) {
        guard case .raft(let m) = message.message else { return }
        switch m.kind {
        case .vote, .preVote:
            let preVote = if case .preVote = m.kind { true } else { false }
            elections.ballot(term: m.term, .init(voter: message.to, candidate: message.from, preVote: preVote, answer: answer))
        default: break
        }
    }

    /// Why member `voter` refused the vote request `message`, by the core's own rule, with
    /// members named.
    func voteRefusal(_ message: StepMessage, voter: Int) -> String? {
        guard case .raft(let m) = message.message, let raft = members[voter].machine?.raft else { return nil }
        let refusal: VoteRefusal?
        switch m.kind {
        case let .vote(lastIndex, lastTerm, _):
            refusal = raft.voteRefusal(from: m.from, term: m.term, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
        case let .preVote(lastIndex, lastTerm):
            refusal = raft.voteRefusal(from: m.from, term: m.term, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
        default:
            return nil
        }
        guard let refusal else { return nil }
        return refusal.describe(term: raft.term, voter: raft.id) { id in self.members.first { NodeInfo.numericID($0.name) == id }?.name ?? "\(id)" }
    }

    /// Why a vote request got no answer at all, which the transcript would otherwise leave
    /// unexplained: the core answers every vote request except one that is stale or that
    /// arrives during the leader lease.
    static func ignored(_ message: PeerMessage, by receiver: String, leader: String?, term: UInt64, answered: Bool) -> String? {
        guard !answered, case .raft(let m) = message else { return nil }
        switch m.kind {
        case .vote(_, _, false), .preVote:
            if m.term > term, let leader, leader == receiver {
                return "ignores it: it leads term \(term) itself (leader lease: its followers heard from it within the minimum election timeout)"
            }
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
