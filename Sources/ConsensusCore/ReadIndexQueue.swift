/// The leader's pending ReadIndex requests (§6.4), oldest first.
///
/// Each request records the commit index when it arrived and a sequence number; heartbeats carry
/// the latest sequence number, and an answer acknowledges every request up to it. A request is
/// answered once a majority acknowledged it, which proves we still led when it arrived.
struct ReadIndexQueue: Sendable {
    struct Request: Sendable {
        var sequence: UInt64
        var context: UInt64
        var index: LogIndex
        var from: NodeID
        var acks: Set<NodeID>
    }

    var pending: [Request] = []
    /// Requests that arrived before this leader committed an entry of its term; its commit index
    /// could be stale until then.
    var awaitingCommit: [(context: UInt64, from: NodeID)] = []
    var nextSequence: UInt64 = 1
    /// Requests arrived since the last heartbeat round: one round, sent when the caller takes
    /// its next ``Ready``, confirms them all (however many arrived in between).
    var roundDue = false

    var count: Int { pending.count + awaitingCommit.count }
    var latestSequence: UInt64 { pending.last?.sequence ?? 0 }
}

extension Raft {
    /// Asks for a linearizable read point (§6.4). The answer arrives as a ``ReadState`` with this
    /// `context` in a later ``Ready``; serve the read once that index is applied. On a follower,
    /// the request is forwarded to the leader. It may be lost (leader change, message loss): the
    /// caller retries after a timeout.
    public mutating func readIndex(context: UInt64) throws(RaftError) {
        if role == .leader {
            guard reads.count < options.maxPendingReads else { throw .overloaded }
            handleReadRequest(from: id, context: context)
        } else if let leader {
            send(to: leader, .readIndex(context: context))
        } else {
            throw .notLeader(leader: nil)
        }
    }

    mutating func handleReadRequest(from: NodeID, context: UInt64) {
        guard reads.count < options.maxPendingReads else { return }
        guard log.term(at: log.committed) == term else {
            reads.awaitingCommit.append((context, from))
            return
        }
        if configuration.voters == [id] {
            answerRead(from: from, context: context, index: log.committed)
            return
        }
        let sequence = reads.nextSequence
        reads.nextSequence += 1
        reads.pending.append(.init(sequence: sequence, context: context, index: log.committed, from: from, acks: [id]))
        reads.roundDue = true
    }

    /// Sends the heartbeat round the reads that arrived since the last one wait for: one round
    /// per ``Ready``, not one per read (ReadIndex batching).
    mutating func sendDueReadRound() {
        guard reads.roundDue else { return }
        reads.roundDue = false
        if role == .leader && !reads.pending.isEmpty { broadcastHeartbeat() }
    }

    mutating func acknowledgeReads(from: NodeID, upTo sequence: UInt64) {
        var confirmed = -1
        for i in reads.pending.indices where reads.pending[i].sequence <= sequence {
            reads.pending[i].acks.insert(from)
            if configuration.hasQuorum(reads.pending[i].acks) { confirmed = i }
        }
        guard confirmed >= 0 else { return }
        let done = reads.pending[...confirmed]
        reads.pending.removeFirst(confirmed + 1)
        for r in done { answerRead(from: r.from, context: r.context, index: r.index) }
    }

    mutating func releaseReadsAwaitingCommit() {
        guard !reads.awaitingCommit.isEmpty, log.term(at: log.committed) == term else { return }
        let waiting = reads.awaitingCommit
        reads.awaitingCommit = []
        for r in waiting { handleReadRequest(from: r.from, context: r.context) }
    }

    private mutating func answerRead(from: NodeID, context: UInt64, index: LogIndex) {
        if from == id {
            readStates.append(ReadState(context: context, index: index))
        } else {
            send(to: from, .readIndexResponse(context: context, index: index))
        }
    }
}
