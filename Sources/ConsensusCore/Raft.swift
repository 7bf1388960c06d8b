/// One Raft node as a pure state machine (Figure 2 of the Raft paper, with the dissertation's
/// pre-vote, check-quorum, single-server membership changes, leadership transfer and ReadIndex).
///
/// `Raft` does no I/O, reads no clock and draws randomness only from the generator it was given.
/// Inputs are ``step(_:)`` (a message), ``tick()`` (time), ``propose(_:)``,
/// ``readIndex(context:)``, ``proposeConfigChange(_:)``, ``transferLeadership(to:)`` and
/// ``compact(upTo:snapshotData:)``. Output is a ``Ready`` batch of work; see its documentation for
/// the caller's duties, in order.
public struct Raft: Sendable {
    public let id: NodeID
    public let options: RaftOptions

    public internal(set) var term: Term
    public internal(set) var vote: NodeID?
    public internal(set) var role: Role = .follower
    /// Who we believe leads in `term`.
    public internal(set) var leader: NodeID?
    /// The membership in force: the latest configuration in the log, committed or not (§4.1 of the
    /// dissertation).
    public internal(set) var configuration: Configuration
    /// The target of a leadership transfer under way.
    public internal(set) var leadTransferee: NodeID?

    var log: RaftLog
    /// The configuration at the snapshot boundary, and each change after it: (index, result).
    var snapshotConfiguration: Configuration
    var configHistory: [(index: LogIndex, configuration: Configuration)] = []
    /// The most recent snapshot, sent to followers that are behind the compacted log.
    var latestSnapshot: Snapshot?
    /// A snapshot received from the leader that the caller has not yet persisted and installed.
    var pendingSnapshot: Snapshot?

    /// Leader only: the replication state of every other member, and their ids in order.
    var progress: [NodeID: Progress] = [:]
    var peers: [NodeID] = []
    /// Candidate and pre-candidate only: the answers so far.
    var votes: [NodeID: Bool] = [:]

    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0

    var reads = ReadIndexQueue()

    var messages: [Message] = []
    var readStates: [ReadState] = []
    var lastSoftState: SoftState
    var persistedHardState: HardState

    var random: any RandomNumberGenerator & Sendable

    /// Creates a node from what its storage holds.
    ///
    /// - Parameters:
    ///   - id: this node's id (not 0).
    ///   - options: tunables; they must pass ``RaftOptions/validationError()``.
    ///   - storage: the persisted hard state, snapshot and entries. A brand-new cluster member
    ///     passes ``PersistentState/bootstrap(voters:)``; a node about to be added to a running
    ///     cluster passes ``PersistentState/empty``.
    ///   - random: the generator for randomised election timeouts.
    public init(
        id: NodeID,
        options: RaftOptions = RaftOptions(),
        storage: PersistentState,
        random: some RandomNumberGenerator & Sendable
    ) {
        precondition(id != 0, "0 is not a valid node id")
        if let problem = options.validationError() { preconditionFailure("invalid RaftOptions: \(problem)") }
        self.id = id
        self.options = options
        self.term = storage.hardState.term
        self.vote = storage.hardState.vote
        let meta = storage.snapshot.metadata
        self.log = RaftLog(
            snapshotIndex: meta.index, snapshotTerm: meta.term,
            entries: storage.entries, committed: storage.hardState.commit)
        self.snapshotConfiguration = meta.configuration
        self.configuration = meta.configuration
        self.latestSnapshot = meta.index > 0 ? storage.snapshot : nil
        self.persistedHardState = storage.hardState
        self.lastSoftState = SoftState(role: .follower, leader: nil, term: storage.hardState.term)
        self.random = random
        rebuildConfiguration(from: log.firstIndex)
        // A crash can leave entries durable whose batch's hard state was not (a torn tail). No
        // vote or acknowledgement of that batch ever left this node, so it is safe to resume in
        // the term of the last entry with no vote in it; resuming in an older term would let this
        // node append entries of a lower term after higher ones.
        if log.lastTerm > term {
            term = log.lastTerm
            vote = nil
        }
        resetElectionTimer()
    }

    // MARK: - Reading the state

    public var commitIndex: LogIndex { log.committed }
    public var appliedIndex: LogIndex { log.applied }
    public var lastIndex: LogIndex { log.lastIndex }
    public var lastTerm: Term { log.lastTerm }
    public var firstIndex: LogIndex { log.firstIndex }
    public var isLeader: Bool { role == .leader }
    /// Whether this node may start an election: it is a voter of its configuration.
    public var isPromotable: Bool { configuration.voters.contains(id) }

    /// The term of the entry at `index`, if it is in memory (or is the snapshot boundary).
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }

    /// The entries in `range` that are still in memory.
    public func entries(in range: ClosedRange<LogIndex>) -> [Entry] {
        let lo = max(range.lowerBound, log.firstIndex)
        let hi = min(range.upperBound, log.lastIndex)
        guard lo <= hi else { return [] }
        return log.entries(from: lo, maxBytes: .max, maxCount: Int(hi - lo + 1))
    }

    // MARK: - Inputs

    /// Advances time by one tick: followers count toward an election, leaders toward a heartbeat
    /// and a check-quorum round.
    public mutating func tick() {
        if role == .leader { tickLeader() } else { tickElection() }
    }

    /// Starts an election now, as if the election timeout had passed (with pre-vote first when
    /// enabled). Does nothing on a leader or a node that cannot vote.
    public mutating func campaign() {
        guard role != .leader, isPromotable else { return }
        startCampaign(preVote: options.preVote, transfer: false)
    }

    /// Handles a message from a peer.
    public mutating func step(_ m: Message) {
        precondition(m.to == id, "message for \(m.to) delivered to \(id)")
        guard m.from != id, m.from != 0 else { return }
        if m.term > term {
            if !stepHigherTerm(m) { return }
        } else if m.term < term {
            stepLowerTerm(m)
            return
        }
        switch m.kind {
        case let .preVote(lastIndex, lastTerm):
            handleVoteRequest(m, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
        case let .vote(lastIndex, lastTerm, _):
            handleVoteRequest(m, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
        default:
            switch role {
            case .leader: stepLeader(m)
            case .candidate, .preCandidate: stepCandidate(m)
            case .follower: stepFollower(m)
            }
        }
    }

    /// A message from a later term. Returns false when the message is to be ignored.
    private mutating func stepHigherTerm(_ m: Message) -> Bool {
        switch m.kind {
        case .preVote, .vote(_, _, false):
            // Leader lease (§6 of the dissertation): a node that heard from a leader within the
            // minimum election timeout ignores requests to replace it.
            if options.checkQuorum, leader != nil, electionElapsed < options.electionTicksMin { return false }
        default:
            break
        }
        switch m.kind {
        case .preVote, .preVoteResponse(granted: true):
            // A pre-vote never changes our term: it asks about a future one.
            break
        case .append, .heartbeat, .installSnapshot:
            becomeFollower(term: m.term, leader: m.from)
        default:
            becomeFollower(term: m.term, leader: nil)
        }
        return true
    }

    /// A message from an earlier term (§5.1: stale terms are rejected).
    private mutating func stepLowerTerm(_ m: Message) {
        switch m.kind {
        case .append, .heartbeat:
            // Tell the stale leader about our term so that it steps down. Without this, a node
            // that was partitioned away and came back with a higher term (possible with
            // check-quorum) could be ignored forever.
            if options.checkQuorum || options.preVote {
                send(to: m.from, .appendResponse(success: false, index: 0, hintIndex: 0, hintTerm: 0))
            }
        case .preVote:
            send(to: m.from, .preVoteResponse(granted: false))
        default:
            break
        }
    }

    private mutating func stepFollower(_ m: Message) {
        switch m.kind {
        case let .append(prevIndex, prevTerm, entries, commit):
            electionElapsed = 0
            leader = m.from
            handleAppend(from: m.from, prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit)
        case let .heartbeat(commit, readSequence):
            electionElapsed = 0
            leader = m.from
            handleHeartbeat(from: m.from, commit: commit, readSequence: readSequence)
        case let .installSnapshot(snapshot):
            electionElapsed = 0
            leader = m.from
            handleSnapshot(from: m.from, snapshot)
        case .timeoutNow:
            if isPromotable { startCampaign(preVote: false, transfer: true) }
        case let .readIndexResponse(context, index):
            readStates.append(ReadState(context: context, index: index))
        default:
            break
        }
    }

    private mutating func stepCandidate(_ m: Message) {
        switch m.kind {
        case .append, .heartbeat, .installSnapshot:
            // Someone won the election of our term (§5.2).
            becomeFollower(term: m.term, leader: m.from)
            stepFollower(m)
        case let .preVoteResponse(granted) where role == .preCandidate:
            poll(m.from, granted: granted)
        case let .voteResponse(granted) where role == .candidate:
            poll(m.from, granted: granted)
        default:
            break
        }
    }

    private mutating func stepLeader(_ m: Message) {
        switch m.kind {
        case let .appendResponse(success, index, hintIndex, hintTerm):
            handleAppendResponse(from: m.from, success: success, index: index, hintIndex: hintIndex, hintTerm: hintTerm)
        case let .heartbeatResponse(readSequence):
            handleHeartbeatResponse(from: m.from, readSequence: readSequence)
        case let .readIndex(context):
            handleReadRequest(from: m.from, context: context)
        case .append, .heartbeat, .installSnapshot:
            preconditionFailure("election safety: \(m.from) and \(id) both lead term \(term)")
        default:
            break
        }
    }

    // MARK: - Role changes

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID?) {
        precondition(newTerm >= term, "term went back from \(term) to \(newTerm)")
        if newTerm > term {
            term = newTerm
            vote = nil
        }
        role = .follower
        leader = newLeader
        reset()
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "a leader cannot become a pre-candidate")
        role = .preCandidate
        leader = nil
        reset()
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "a leader cannot become a candidate")
        term += 1
        vote = id
        role = .candidate
        leader = nil
        reset()
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate can become leader")
        role = .leader
        leader = id
        reset()
        peers = configuration.members.filter { $0 != id }
        for peer in peers {
            progress[peer] = Progress(next: log.lastIndex + 1, maxInflight: options.maxInflightMessages)
        }
        // §8: a no-op entry of the new term lets the leader commit (and learn the commit index of)
        // everything before it.
        appendAsLeader([Entry(term: term, index: 0, kind: .noop)])
        broadcastAppend()
    }

    private mutating func reset() {
        electionElapsed = 0
        heartbeatElapsed = 0
        resetElectionTimer()
        votes = [:]
        leadTransferee = nil
        progress = [:]
        peers = []
        reads = ReadIndexQueue()
    }

    mutating func resetElectionTimer() {
        randomizedElectionTimeout = Int.random(
            in: options.electionTicksMin...options.electionTicksMax, using: &random)
    }

    // MARK: - Output

    mutating func send(to: NodeID, term explicitTerm: Term? = nil, _ kind: Message.Kind) {
        messages.append(Message(from: id, to: to, term: explicitTerm ?? term, kind: kind))
    }
}

/// What a node's storage holds when it starts.
public struct PersistentState: Sendable {
    public var hardState: HardState
    /// The latest snapshot; for a node without one, index 0 with the initial membership.
    public var snapshot: Snapshot
    /// The entries after the snapshot, contiguous.
    public var entries: [Entry]

    public init(hardState: HardState, snapshot: Snapshot, entries: [Entry]) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
    }

    /// The state of a founding member of a new cluster with these voters.
    public static func bootstrap(voters: Set<NodeID>) -> PersistentState {
        PersistentState(
            hardState: HardState(),
            snapshot: Snapshot(metadata: SnapshotMetadata(index: 0, term: 0, configuration: Configuration(voters: voters)), data: []),
            entries: [])
    }

    /// The state of a node that will be added to a running cluster: it learns everything,
    /// membership included, from the leader.
    public static var empty: PersistentState { bootstrap(voters: []) }
}
