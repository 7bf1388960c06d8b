import ConsensusCore
import ConsensusNetwork

/// Proposals: any member accepts them; followers forward them to the leader, and every member
/// learns the outcome by applying the entry (exactly once per proposal id).
extension NodeStateMachine {
    /// A client's proposal on the raft mechanism.
    mutating func propose(_ request: RequestID, _ operation: StoreOperation) {
        nextSequence += 1
        let id = ProposalID(node: session, sequence: nextSequence)
        func refuse(_ error: ConsensusError) {
            answer(request, .success(.proposal(failedProposal(id, operation, error))))
        }
        if let reserved = operation.keys.first(where: MemberRecords.isReserved) {
            return refuse(.invalidArgument("\(reserved.debugDescription) is under the reserved prefix \(MemberRecords.prefix.debugDescription), which holds the cluster's member records; use another key"))
        }
        // On the minority side of a partition a write cannot commit: say so now.
        if health.partition?.side == .minority { return refuse(.noQuorum) }
        if proposals.count >= configuration.limits.pendingProposalsMax { return refuse(.overloaded) }
        let command = Command(id: id, time: 0, operation: operation)
        proposals[id] = WaitingProposal(command: command, request: request, deadline: now + configuration.timeout)
        route(command, hops: 0)
    }

    /// Proposes one of the machine's own commands (a member record); nobody waits for an answer.
    mutating func proposeInternal(_ operation: StoreOperation) -> ProposalID {
        nextSequence += 1
        let id = ProposalID(node: session, sequence: nextSequence)
        let command = Command(id: id, time: 0, operation: operation)
        proposals[id] = WaitingProposal(command: command, request: nil, deadline: now + configuration.timeout)
        route(command, hops: 0)
        return id
    }

    /// Routes a command: the leader proposes it (in a batch when configured), a follower forwards
    /// it to the leader, and with no leader known a local command waits for one.
    mutating func route(_ command: Command, hops: Int) {
        // No `let r = raft` copy here: a copy alive while `proposeNow` steps the core makes
        // the core's arrays shared, so the step copied the whole log (every entry) per proposal.
        guard raft != nil else { return }
        // The core must not be stepped while its batch is being persisted.
        if persisting != nil {
            deferredCommands.append((command, hops))
            return
        }
        if raft!.isLeader {
            var stamped = command
            stamped.time = stampTime()
            if configuration.batchUpdates {
                batch.append(stamped)
                if batch.count >= configuration.limits.batchEntriesMax {
                    flushBatch()
                } else if batchDeadline == nil {
                    batchDeadline = now + configuration.batchWindow
                    out.append(.wakeUp(after: configuration.batchWindow))
                }
            } else {
                proposeNow([stamped])
            }
        } else if let leader = raft!.leader, hops < configuration.limits.forwardHopsMax {
            do {
                send(to: leader, .forward(command: try CommandCodec.encode(command, compressAbove: compressAbove), hops: hops))
                proposals[command.id]?.forwardedAt = now
                proposals[command.id]?.sent = true
            } catch {
                fail(command.id, .invalidArgument("cannot encode the command: \(error)"))
            }
        } else if hops == 0, proposals[command.id] != nil, !awaitingLeader.contains(command.id) {
            awaitingLeader.append(command.id)
        }
    }

    /// A forward can be lost on the way (a dropped message, a leader that crashed before
    /// appending it). A follower forwards its own proposals again once an election timeout has
    /// passed without them being applied; the state machine applies each proposal id once, so
    /// a copy that races the original cannot take effect twice.
    mutating func reforwardUnanswered() {
        guard let r = raft, !r.isLeader, r.leader != nil else { return }
        let after = configuration.electionTimeout.lowerBound
        for w in proposals.values.sorted(by: { $0.command.id.sequence < $1.command.id.sequence }) {
            guard let at = w.forwardedAt, now - at >= after else { continue }
            route(w.command, hops: 0)
        }
    }

    mutating func flushBatch() {
        batchDeadline = nil
        guard !batch.isEmpty else { return }
        let commands = batch
        batch = []
        proposeNow(commands)
    }

    private mutating func proposeNow(_ commands: [Command]) {
        guard raft != nil else { return }
        var payloads: [[UInt8]] = []
        var proposed: [Command] = []
        for c in commands {
            do {
                payloads.append(try CommandCodec.encode(c, compressAbove: compressAbove))
                proposed.append(c)
            } catch {
                fail(c.id, .invalidArgument("cannot encode the command: \(error)"))
            }
        }
        guard !payloads.isEmpty else { return }
        do {
            let indexes = try raft!.propose(batch: payloads)
            // The leader holds these commands already: applying them need not decode them.
            let term = raft!.lastTerm
            for (index, c) in zip(indexes, proposed) {
                decoded.remember(c, index: index, term: term)
                proposals[c.id]?.sent = true
            }
        } catch {
            switch error {
            case .notLeader, .transferInProgress:
                for c in proposed { route(c, hops: 1) }
            case .overloaded:
                for c in proposed { fail(c.id, .overloaded) }
            default:
                for c in proposed { fail(c.id, .rejected(reason: error.description)) }
            }
        }
    }

    /// Answers a proposal that will never reach the log.
    mutating func fail(_ id: ProposalID, _ error: ConsensusError) {
        guard let w = proposals.removeValue(forKey: id) else { return }
        awaitingLeader.removeAll { $0 == id }
        if let request = w.request { answer(request, .success(.proposal(failedProposal(id, w.command.operation, error)))) }
    }
}
