import ConsensusCore
import ConsensusNetwork
import ConsensusStorage

/// One member of a consensus cluster: the lesson's `ConsensusTrait`, in Swift.
///
/// ```swift
/// let node = ConsensusTrait(nodeID: "node-001", configuration: .raft())
/// node.setMessageSender { to, message in network.send(to, message) }
/// try await node.start()
/// let accepted = try await node.propose("config", ["maxPlayers": 10])
/// let config = try await node.get("config", as: [String: Int].self)
/// ```
///
/// The actor drives a ``ConsensusCore/Raft`` core with a real clock, a ``Storage`` and whatever
/// transport ``setMessageSender(_:)`` provides; peers' messages come in through
/// ``handleMessage(from:_:)``.
public actor ConsensusTrait {
    /// This node's name.
    public nonisolated let nodeID: String
    public nonisolated let configuration: ConsensusConfiguration
    nonisolated let numericID: NodeID
    nonisolated let hub = EventHub()

    let storage: any Storage
    var raft: Raft?
    /// Set while running the simple_majority mechanism.
    var majority: MajorityState?
    var store = KeyValueStore()
    var sender: (@Sendable (String, PeerMessage) -> Void)?
    var tickTask: Task<Void, Never>?

    /// Names of the members we know, by numeric id.
    var directory: [NodeID: NodeInfo] = [:]
    /// When each peer was last heard from, and which ones are reported unreachable.
    var lastHeard: [NodeID: ContinuousClock.Instant] = [:]
    var unreachable: Set<NodeID> = []
    var partition: PartitionInfo?
    var pingSequence: UInt64 = 0

    // Proposals. Ids are (session, sequence): a new session per start, so ids never repeat.
    var session: UInt64 = 0
    var nextSequence: UInt64 = 0
    var waiters: [ProposalID: ProposalWaiter] = [:]
    var batch: [Command] = []
    var batchFlushScheduled = false
    var awaitingLeader: [Command] = []

    // Store time (see LeaderClock): one leader-clock tick per millisecond of real time that
    // passed while this member leads, measured on the monotonic clock.
    var leaderClock = LeaderClock(millisecondsPerTick: 1)
    /// Up to when real time has been credited to ``leaderClock``.
    var leaderClockCredited = ContinuousClock.now

    // Reads and other waits on the applied index.
    var nextReadContext: UInt64 = 0
    var readWaiters: [UInt64: CheckedContinuation<LogIndex?, Never>] = [:]
    var pendingReadIndexes: [UInt64: LogIndex] = [:]
    var appliedWaiters: [(index: LogIndex, continuation: CheckedContinuation<Void, Never>)] = []

    var lastLeader: NodeID?
    var performingReady = false
    var deferredCommands: [(Command, Int)] = []
    var lastSnapshotIndex: LogIndex = 0
    /// Set when storage failed: the node stops and says why.
    public internal(set) var failure: ConsensusError?

    /// Creates a member. Nothing happens until ``start()``.
    ///
    /// - Parameters:
    ///   - nodeID: this member's name, unique in the cluster.
    ///   - configuration: mechanism and timing; checked by ``start()``.
    ///   - storage: where hard state, log and snapshots live (default: in memory).
    public init(nodeID: String, configuration: ConsensusConfiguration = .raft(), storage: any Storage = MemoryStorage()) {
        self.nodeID = nodeID
        self.configuration = configuration
        self.numericID = NodeInfo.numericID(nodeID)
        self.storage = storage
        self.directory[numericID] = NodeInfo(id: nodeID)
    }

    // MARK: - Lifecycle

    /// Starts the node: restores it from storage, or founds/joins a cluster per
    /// ``ConsensusConfiguration/bootstrap``, and starts its clock.
    public func start() async throws(ConsensusError) {
        guard !isRunning else { return }
        try configuration.validate()
        if configuration.mechanism == .simpleMajority {
            startMajority()
            startClock()
            return
        }
        let state: PersistentState
        do {
            if try storage.hasState() {
                state = try storage.load()
            } else {
                switch configuration.bootstrap ?? .newCluster(members: [NodeInfo(id: nodeID)]) {
                case .newCluster(let members):
                    var voters = Set(members.map { NodeInfo.numericID($0.id) })
                    voters.insert(numericID)
                    for m in members { directory[NodeInfo.numericID(m.id)] = m }
                    state = .bootstrap(voters: voters)
                case .join:
                    state = .empty
                }
                try storage.persist(hardState: state.hardState, entries: [], snapshot: state.snapshot)
            }
            store = state.snapshot.data.isEmpty ? KeyValueStore() : try CommandCodec.decodeSnapshot(state.snapshot.data)
        } catch {
            throw .storage("cannot load state: \(error)")
        }
        lastSnapshotIndex = state.snapshot.metadata.index
        var rng = SplitMix64(seed: configuration.seed ?? UInt64.random(in: 1...UInt64.max))
        session = UInt64.random(in: 1...UInt64.max)
        nextSequence = 0
        raft = Raft(id: numericID, options: configuration.raftOptions, storage: state, random: SplitMix64(seed: rng.next()))
        failure = nil
        leaderClock.follow()   // the core starts as a follower; taking office starts the count
        for peer in raft!.configuration.members where peer != numericID { lastHeard[peer] = .now }
        startClock()
        processReady()
    }

    private func startClock() {
        let interval = configuration.tickInterval
        tickTask = Task { [weak self] in
            // A tick never comes early (store time, counted in ticks, relies on it): a sleep cut
            // short by cancellation ends the loop instead of ticking.
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                await self?.tick()
            }
        }
    }

    /// Stops the node: its clock stops, waiting calls fail with ``ConsensusError/notRunning``.
    /// Its storage is kept, so ``start()`` brings it back with its log and state.
    public func stop() async {
        tickTask?.cancel()
        tickTask = nil
        raft = nil
        leaderClock.follow()
        if let m = majority {
            majority = nil
            for round in m.rounds.values {
                round.timer.cancel()
                round.continuation.resume(returning: ProposalResult(
                    proposalID: round.write.proposalID, accepted: false, key: round.write.key, value: round.value,
                    votes: .init(for: round.tally.votesFor, against: round.tally.votesAgainst, total: round.tally.members.count),
                    quorumRequired: round.tally.quorumRequired, error: ConsensusError.notRunning.description, index: nil, result: nil))
            }
        }
        batch = []
        batchFlushScheduled = false
        awaitingLeader = []
        failAll(.notRunning)
    }

    /// Whether the node is running.
    public var isRunning: Bool { raft != nil || majority != nil }

    /// Every member's id (voters and learners), sorted.
    var memberIDs: [NodeID] { raft?.configuration.members ?? majority?.members.sorted() ?? [] }

    /// The members whose votes count.
    var voterIDs: Set<NodeID> { raft?.configuration.voters ?? majority?.members ?? [] }

    /// How many of ``voterIDs`` make a quorum.
    var quorumSize: Int {
        if let r = raft { return r.configuration.quorum }
        return MajorityTally.quorumRequired(members: majority?.members.count ?? 1, quorum: configuration.quorum)
    }

    // MARK: - Transport (the lesson's setMessageSender / handleMessage)

    /// Sets how this node sends a message to a peer (by name). Any transport works: the in-memory
    /// network, TCP, a game engine's channel.
    public func setMessageSender(_ sender: @escaping @Sendable (_ to: String, _ message: PeerMessage) -> Void) {
        self.sender = sender
    }

    /// Hands the node a message a peer sent it.
    public func handleMessage(from: String, _ message: PeerMessage) {
        guard isRunning else { return }
        let peer = NodeInfo.numericID(from)
        if directory[peer] == nil { directory[peer] = NodeInfo(id: from) }
        heard(from: peer)
        switch message {
        case .raft(let m):
            guard raft != nil, m.to == numericID else { return }
            if case .vote = m.kind { hub.emit(.voteRequested(from: from, term: m.term)) }
            raft!.step(m)
            processReady()
        case let .forward(bytes, hops):
            guard raft != nil, let command = try? CommandCodec.decode(bytes) else { return }
            enqueue(command, hops: hops + 1)
        case .ping(let sequence):
            send(to: peer, .pong(sequence: sequence))
        case .pong:
            break
        case .majorityPropose, .majorityVote, .majorityCommit, .majoritySyncRequest, .majoritySync:
            handleMajority(message, from: peer)
        }
    }

    func send(to peer: NodeID, _ message: PeerMessage) {
        guard let sender, let name = directory[peer]?.id else { return }
        sender(name, message)
    }

    func name(of id: NodeID?) -> String? {
        guard let id else { return nil }
        return directory[id]?.id ?? String(id, radix: 16)
    }

    // MARK: - Time

    func tick() {
        guard isRunning else { return }
        creditLeaderClock()
        if raft != nil {
            raft!.tick()
            processReady()
        }
        checkPeers()
    }

    /// The time to stamp on a command this leader proposes: store milliseconds from
    /// ``leaderClock``, never the wall clock (see ``LeaderClock`` for why a lock's TTL then lasts
    /// at least as long in real time).
    func stampTime() -> Int64 {
        // The caller checked that the core leads; `roleChanged` has normally started the count
        // already. If not, start it as taking office would.
        if !leaderClock.isLeading { startLeaderClock() }
        // Credit the time since the last tick first: a stamp must not lag the moment it is made,
        // or the grant it makes would count its TTL from a moment before the request was sent.
        creditLeaderClock()
        return leaderClock.now
    }

    /// Starts counting store time on taking office, from the latest stamp this member knows.
    func startLeaderClock() {
        leaderClock.lead(from: latestKnownStamp())
        leaderClockCredited = .now
    }

    /// Credits ``leaderClock`` with the whole milliseconds of real time since the last credit.
    func creditLeaderClock() {
        let now = ContinuousClock.now
        let credit = Self.leaderClockCredit(elapsed: now - leaderClockCredited)
        guard credit.milliseconds > 0 else { return }
        leaderClock.tick(times: credit.milliseconds)
        leaderClockCredited = credit.capped ? now : leaderClockCredited + .milliseconds(credit.milliseconds)
    }

    /// The most store time one runtime tick can credit: bounds what a jump of the monotonic clock
    /// (a suspended VM that resumes) can do to store time.
    static let leaderClockCreditMax: Int64 = 1_000

    /// The whole milliseconds in `elapsed` (rounded down, so store time never runs ahead of real
    /// time), at most ``leaderClockCreditMax``; `capped` says the rest is dropped.
    static func leaderClockCredit(elapsed: Duration) -> (milliseconds: Int64, capped: Bool) {
        guard elapsed > .zero else { return (0, false) }
        let whole = elapsed.wholeMilliseconds
        return whole > leaderClockCreditMax ? (leaderClockCreditMax, true) : (whole, false)
    }

    /// The latest store time this member knows of: its applied store's clock, or a later stamp
    /// among the entries of its log it has not applied yet.
    func latestKnownStamp() -> Int64 {
        guard let r = raft else { return store.clock }
        return LeaderClock.latestKnownStamp(store: store, raft: r)
    }

    /// Fails every waiting call.
    func failAll(_ error: ConsensusError) {
        let pending = waiters
        waiters = [:]
        for (_, w) in pending { w.finish(.failure(error)) }
        for (_, c) in readWaiters { c.resume(returning: nil) }
        readWaiters = [:]
        for w in appliedWaiters { w.continuation.resume() }
        appliedWaiters = []
    }
}
