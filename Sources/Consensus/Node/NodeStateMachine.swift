import ConsensusCore
import ConsensusNetwork

/// The whole logic of one cluster member, as a pure value: no clocks, tasks, sockets or files.
///
/// Feed it inputs with ``handle(_:at:)`` (a client request, a peer message, a tick, the end of a
/// storage write) and perform the ``NodeDirective``s it returns, in order. The same machine runs
/// inside ``ConsensusTrait`` (an actor with a real clock, storage and transport), inside the
/// simulator (virtual time, seeded faults) and in the REPL's step mode; given the same inputs
/// it returns the same directives.
///
/// It owns both mechanisms:
/// - **raft**: the ``ConsensusCore/Raft`` core, the replicated ``KeyValueStore``, store time
///   (``LeaderClock``), routing and forwarding to the leader (with a hop limit), re-sends after a
///   leader change (exactly once by proposal id), batching by `batchWindow`, ReadIndex reads,
///   membership changes (a learner is promoted only once it answers and has caught up),
///   snapshots;
/// - **simple_majority**: voting rounds, manual votes, Lamport last-writer-wins, sync on
///   reconnect, a membership every member shares;
///
/// and the failure detector behind `nodeUnreachable` and `partitionDetected`. Deadlines are in
/// its own time: the `at` of the inputs, never a clock.
///
/// The duties of whoever drives it, in order:
/// 1. on start, load storage and feed ``NodeInput/start(_:)``;
/// 2. feed ``NodeInput/tick`` every ``ConsensusConfiguration/tickInterval``;
/// 3. perform ``NodeDirective/persist(_:)`` durably, then feed ``NodeInput/persisted`` (inputs
///    that arrive meanwhile are accepted; the machine defers what must wait);
/// 4. feed peers' messages, client requests and send failures as they come.
public struct NodeStateMachine: Sendable {
    /// This member's name.
    public let nodeID: String
    /// The core's id for this member (``NodeInfo/numericID(_:)``).
    public let numericID: NodeID
    public let configuration: ConsensusConfiguration

    /// The machine's own time: the `at` of the latest input (never decreases).
    public internal(set) var now: Duration = .zero
    /// The Raft core, while running the raft mechanism.
    public internal(set) var raft: Raft?
    /// The simple_majority state, while running that mechanism.
    var majority: MajorityMachine?
    /// The replicated key-value state machine (raft).
    public internal(set) var store = KeyValueStore()
    /// The latest changes of user keys, for watches from a past revision.
    var history: ChangeHistory
    /// Why the member halted, if it did.
    public internal(set) var failure: ConsensusError?

    /// Names, addresses and metadata of the members known, by numeric id.
    var directory: [NodeID: NodeInfo] = [:]
    var health = PeerHealth()

    // Proposals: ids are (session, sequence); a new session per start, so ids never repeat.
    var session: UInt64
    var nextSequence: UInt64 = 0
    var proposals: [ProposalID: WaitingProposal] = [:]
    var batch: [Command] = []
    var batchDeadline: Duration?
    var awaitingLeader: [ProposalID] = []
    /// Commands to route again once the core's current batch is acknowledged.
    var deferredCommands: [(Command, hops: Int)] = []

    // Reads.
    var nextReadContext: UInt64 = 0
    var reads: [UInt64: WaitingRead] = [:]
    var membershipJob: MembershipJob?
    /// A leadership transfer under way, answered once the target leads or the transfer ends
    /// without it.
    var transferJob: TransferJob?

    // Store time (see LeaderClock): credited with the whole milliseconds that pass while leading.
    var leaderClock = LeaderClock(millisecondsPerTick: 1)
    var leaderClockCredited: Duration = .zero

    var lastLeader: NodeID?
    var lastSnapshotIndex: LogIndex = 0
    /// Commands of appended entries not applied yet, decoded once (see ``DecodedCommands``).
    var decoded = DecodedCommands()
    /// The write waiting for ``NodeInput/persisted``.
    var persisting: PersistInFlight?
    /// Inputs that arrived while a batch was being persisted, handled once it is durable.
    var inbox: [NodeInput] = []
    var tickDeferred = false
    var seed: UInt64
    /// Directives produced by the input being handled.
    var out: [NodeDirective] = []

    /// Creates a stopped member; feed ``NodeInput/start(_:)`` to run it.
    ///
    /// - Parameters:
    ///   - nodeID: this member's name, unique in the cluster.
    ///   - configuration: mechanism, timing and bounds (validated by `start`).
    ///   - seed: randomness for election timeouts and this member's proposal ids (the shell
    ///     draws it from the system generator; a simulator from its seed).
    public init(nodeID: String, configuration: ConsensusConfiguration, seed: UInt64) {
        self.nodeID = nodeID
        self.numericID = NodeInfo.numericID(nodeID)
        self.configuration = configuration
        self.seed = seed == 0 ? 1 : seed
        self.session = 0
        self.history = ChangeHistory(capacity: configuration.limits.changeHistoryMax)
        self.directory[numericID] = NodeInfo(id: nodeID)
    }

    /// Whether the member runs.
    public var isRunning: Bool { raft != nil || majority != nil }

    /// Handles one input that happened at `time` (on the shell's monotonic clock, or virtual
    /// time) and returns what the shell must do, in order.
    public mutating func handle(_ input: NodeInput, at time: Duration) -> [NodeDirective] {
        if time > now { now = time }
        if persisting != nil {
            switch input {
            case .persisted:
                finishPersisted()
            case .storageFailed(let reason):
                halt(.storage(reason))
            case .stop:
                stop()
            default:
                deferInput(input)
            }
        } else {
            dispatch(input)
        }
        processReady()
        drainInbox()
        defer { out = [] }
        return out
    }

    private mutating func dispatch(_ input: NodeInput) {
        switch input {
        case .start(let state): start(state)
        case let .request(id, request): handleRequest(id, request)
        case let .message(from, message): receive(from: from, message)
        case .tick: tick()
        case .wakeUp: wakeUp()
        case .campaign: if raft != nil { raft!.campaign() }
        case .persisted: break
        case .storageFailed(let reason): halt(.storage(reason))
        case .sendFailed(let peer): health.sendFailed(to: NodeInfo.numericID(peer))
        case .stop: stop()
        }
    }

    /// Keeps an input for after the batch being persisted. Within bounds: ticks coalesce, peer
    /// messages beyond the bound are dropped (Raft tolerates loss), requests beyond it are
    /// refused as ``ConsensusError/overloaded``.
    private mutating func deferInput(_ input: NodeInput) {
        switch input {
        case .tick:
            tickDeferred = true
            return
        case .request(let id, _) where inbox.count >= configuration.limits.deferredInputsMax:
            out.append(.answer(id, .failure(.overloaded)))
            return
        case .message(let from, _):
            // Hearing from a peer does not wait for the disk: the failure detector must not take
            // a slow fsync for a lost peer.
            let peer = NodeInfo.numericID(from)
            if peer != numericID, isRunning { heard(from: peer) }
            if inbox.count < configuration.limits.deferredInputsMax { inbox.append(input) }
        default:
            inbox.append(input)
        }
    }

    private mutating func drainInbox() {
        // What arrived first goes first; the tick that came meanwhile last, so that the failure
        // detector has heard every message that was waiting.
        //
        // Group commit: everything that waited during the last persist is stepped into the core
        // before its next Ready is taken, so one persist (one fsync) covers every proposal and
        // append that arrived meanwhile. (Stepping one input per Ready made every write its own
        // fsync: a batch of one, however many clients wait.) The inbox is bounded by
        // `limits.deferredInputsMax`, and so is what one Ready gathers from it.
        while persisting == nil, isRunning, !inbox.isEmpty || tickDeferred {
            if !inbox.isEmpty {
                let waiting = inbox
                inbox = []
                var next = waiting.startIndex
                // A dispatch may start a persist of its own (a restart's bootstrap): the rest
                // waits for it, in order.
                while next < waiting.endIndex, persisting == nil, isRunning {
                    dispatch(waiting[next])
                    next += 1
                }
                inbox.insert(contentsOf: waiting[next...], at: 0)
            } else {
                tickDeferred = false
                dispatch(.tick)
            }
            processReady()
        }
        if !isRunning { inbox = []; tickDeferred = false }
    }

    // MARK: - Lifecycle

    private mutating func start(_ restored: PersistentState?) {
        guard !isRunning else { return }
        do {
            try configuration.validate()
        } catch {
            failure = error
            out.append(.halted(error))
            return
        }
        failure = nil
        var rng = SplitMix64(seed: seed)
        session = rng.next() | 1
        seed = rng.next()
        nextSequence = 0
        if configuration.mechanism == .simpleMajority {
            startMajority()
            return
        }
        // Every member named in the configuration can be addressed, restarted or not.
        if case .newCluster(let members)? = configuration.bootstrap {
            for m in members where directory[NodeInfo.numericID(m.id)] == nil { directory[NodeInfo.numericID(m.id)] = m }
        }
        let state: PersistentState
        if let restored {
            state = restored
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
        }
        do {
            store = state.snapshot.data.isEmpty ? KeyValueStore() : try CommandCodec.decodeSnapshot(state.snapshot.data)
        } catch {
            halt(.storage("cannot decode the snapshot at index \(state.snapshot.metadata.index): \(error)"))
            return
        }
        lastSnapshotIndex = state.snapshot.metadata.index
        history.reset(after: state.snapshot.metadata.index)
        raft = Raft(id: numericID, options: configuration.raftOptions, storage: state, random: SplitMix64(seed: rng.next()))
        leaderClock.follow()
        learnMembers()
        health.reset(members: raft!.configuration.members.filter { $0 != numericID })
        if restored == nil {
            // Found the cluster durably before anything else happens.
            persisting = .bootstrap
            out.append(.persist(PersistBatch(hardState: state.hardState, entries: [], snapshot: state.snapshot)))
        }
    }

    private mutating func stop() {
        guard isRunning else { return }
        shutDown(.notRunning)
    }

    /// The storage failed: stop, fail every waiting request, keep the reason.
    mutating func halt(_ error: ConsensusError) {
        failure = error
        shutDown(error)
        out.append(.halted(error))
    }

    /// Drops the core (or the rounds), stops counting store time, and fails every waiting
    /// request with `error`.
    private mutating func shutDown(_ error: ConsensusError) {
        raft = nil
        if majority != nil { stopMajority() }
        leaderClock.follow()
        persisting = nil
        // Nothing will be applied from these any more: a stopped member holds no log.
        decoded = DecodedCommands()
        failAll(error)
    }

    /// Fails every waiting request.
    mutating func failAll(_ error: ConsensusError) {
        batch = []
        batchDeadline = nil
        awaitingLeader = []
        deferredCommands = []
        for id in proposals.keys.sorted(by: { $0.sequence < $1.sequence }) {
            if let w = proposals.removeValue(forKey: id), let request = w.request { answer(request, .failure(error)) }
        }
        for context in reads.keys.sorted() {
            if let r = reads.removeValue(forKey: context) { answer(r.request, .failure(error)) }
        }
        if let job = membershipJob {
            membershipJob = nil
            answer(job.request, .failure(error))
        }
        if let job = transferJob {
            transferJob = nil
            answer(job.request, .failure(error))
        }
    }

    // MARK: - Requests

    private mutating func handleRequest(_ id: RequestID, _ request: NodeRequest) {
        guard isRunning else { return answer(id, .failure(failure ?? .notRunning)) }
        switch request {
        case .propose(let operation):
            if majority != nil { return majorityRequest(id, operation) }
            propose(id, operation)
        case let .read(key, consistency):
            read(id, key: key, consistency: consistency)
        case .barrier:
            read(id, key: nil, consistency: .linearizable)
        case .addNode(let info):
            if majority != nil { return majorityAddMember(id, info) }
            startAddNode(id, info)
        case .removeNode(let name):
            if majority != nil { return majorityRemoveMember(id, name) }
            startRemoveNode(id, name)
        case .transferLeadership(let target):
            transferLeadership(id, to: target)
        case let .vote(proposalID, accept):
            majorityManualVote(id, proposalID: proposalID, accept: accept)
        }
    }

    mutating func answer(_ id: RequestID, _ result: Result<NodeResponse, ConsensusError>) {
        out.append(.answer(id, result))
    }

    mutating func emit(_ event: ConsensusEvent) { out.append(.emit(event)) }

    mutating func send(to peer: NodeID, _ message: PeerMessage) {
        guard peer != numericID, let name = directory[peer]?.id else { return }
        out.append(.send(to: name, message))
    }

    /// The name of a member, as known (hex id when unknown).
    func name(of id: NodeID?) -> String? {
        guard let id else { return nil }
        return directory[id]?.id ?? String(id, radix: 16)
    }

    /// Why `raft` did not grant `candidate`'s vote request of `term`, for people (the core's own
    /// rule, asked after the fact: a refusal changes nothing it asks about).
    func refusal(_ raft: Raft, of candidate: NodeID, term: Term, lastIndex: LogIndex, lastTerm: Term) -> String {
        if term < raft.term { return "its own term \(raft.term) is newer" }
        if term > raft.term { return "it heard from its leader within the minimum election timeout (leader lease)" }
        guard let refusal = raft.voteRefusal(from: candidate, term: term, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false) else {
            return "no reason known"
        }
        return refusal.describe(term: raft.term, voter: raft.id) { self.name(of: $0) ?? "\($0)" }
    }

    // MARK: - Peers and time

    private mutating func receive(from: String, _ message: PeerMessage) {
        guard isRunning else { return }
        let peer = NodeInfo.numericID(from)
        if peer == numericID { return }
        if directory[peer] == nil { directory[peer] = NodeInfo(id: from) }
        heard(from: peer)
        switch message {
        case .raft(let m):
            // A message is from whoever sent it: one that names another member as its author
            // (a confused or malicious peer) is dropped, never attributed to that member.
            guard raft != nil, m.to == numericID, m.from == peer else { return }
            guard case let .vote(lastIndex, lastTerm, _) = m.kind else {
                raft!.step(m)
                return
            }
            emit(.voteRequested(from: from, term: m.term))
            raft!.step(m)
            if let raft, !(raft.term == m.term && raft.vote == peer) {
                emit(.voteRefused(to: from, term: m.term, reason: refusal(raft, of: peer, term: m.term, lastIndex: lastIndex, lastTerm: lastTerm)))
            }
        case let .forward(bytes, hops):
            guard raft != nil else { return }
            guard let command = try? CommandCodec.decode(bytes) else { return }
            route(command, hops: hops + 1)
        case .ping(let sequence):
            send(to: peer, .pong(sequence: sequence))
        case .pong:
            break
        case .majorityPropose, .majorityVote, .majorityCommit, .majoritySyncRequest, .majoritySync, .majorityMembers:
            handleMajority(message, from: peer)
        }
    }

    private mutating func tick() {
        guard isRunning else { return }
        creditLeaderClock()
        if raft != nil { raft!.tick() }
        expireDeadlines()
        reforwardUnanswered()
        askPendingReads()
        if batchDeadline.map({ now >= $0 }) == true { flushBatch() }
        advanceMembershipJob()
        advanceTransferJob()
        checkPeers()
        majorityAntiEntropy()
    }

    private mutating func wakeUp() {
        guard isRunning else { return }
        if batchDeadline.map({ now >= $0 }) == true { flushBatch() }
    }

    /// Fails requests whose time is up. A proposal's outcome is then unknown (``ConsensusError/timedOut``).
    private mutating func expireDeadlines() {
        for id in proposals.keys.sorted(by: { $0.sequence < $1.sequence }) where proposals[id]!.deadline <= now {
            let w = proposals.removeValue(forKey: id)!
            awaitingLeader.removeAll { $0 == id }
            // Never sent: take it out of the queues too, and say so (noLeader is definite).
            // Sent: it may be in some log, so the outcome is unknown.
            let error: ConsensusError
            if w.sent {
                error = .timedOut
            } else {
                batch.removeAll { $0.id == id }
                deferredCommands.removeAll { $0.0.id == id }
                error = .notLeader(leader: name(of: raft?.leader))
            }
            if let request = w.request { answer(request, .success(.proposal(failedProposal(id, w.command.operation, error)))) }
        }
        for context in reads.keys.sorted() where reads[context]!.deadline <= now {
            let r = reads.removeValue(forKey: context)!
            answer(r.request, .failure(raft?.leader == nil && majority == nil ? .notLeader(leader: nil) : .timedOut))
        }
        if majority != nil { expireMajorityRounds() }
    }

    /// Credits ``leaderClock`` with the whole milliseconds since the last credit.
    mutating func creditLeaderClock() {
        let credit = Self.leaderClockCredit(elapsed: now - leaderClockCredited)
        guard credit.milliseconds > 0 else { return }
        leaderClock.tick(times: credit.milliseconds)
        leaderClockCredited = credit.capped ? now : leaderClockCredited + .milliseconds(credit.milliseconds)
    }

    /// The most store time one credit can add: bounds what a jump of the monotonic clock (a
    /// suspended VM that resumes) can do to store time.
    static let leaderClockCreditMax: Int64 = 1_000

    /// The whole milliseconds in `elapsed` (rounded down, so store time never runs ahead of real
    /// time), at most ``leaderClockCreditMax``; `capped` says the rest is dropped.
    static func leaderClockCredit(elapsed: Duration) -> (milliseconds: Int64, capped: Bool) {
        guard elapsed > .zero else { return (0, false) }
        let whole = elapsed.wholeMilliseconds
        return whole > leaderClockCreditMax ? (leaderClockCreditMax, true) : (whole, false)
    }

    /// The time this leader stamps on a command (store milliseconds; see ``LeaderClock``).
    mutating func stampTime() -> Int64 {
        if !leaderClock.isLeading { startLeaderClock() }
        creditLeaderClock()
        return leaderClock.now
    }

    mutating func startLeaderClock() {
        leaderClock.lead(from: raft.map { LeaderClock.latestKnownStamp(store: store, raft: $0) } ?? store.clock)
        leaderClockCredited = now
    }
}

/// A proposal waiting to be applied.
struct WaitingProposal: Sendable {
    var command: Command
    /// The client request it answers (`nil`: the machine's own, e.g. a member record).
    var request: RequestID?
    var deadline: Duration
    /// When this (follower) member last forwarded it to the leader.
    var forwardedAt: Duration?
    /// Whether it may have reached a log: forwarded to a leader, or proposed to this member's
    /// core. Until then, its deadline passing is a definite refusal, not an unknown outcome.
    var sent = false
}

/// A linearizable read (or barrier) waiting for its read point.
struct WaitingRead: Sendable {
    var request: RequestID
    /// The key to answer with (`nil`: a barrier).
    var key: String?
    var deadline: Duration
    /// The confirmed read point, once the leader answered.
    var index: LogIndex?
    /// Asked the core (or still waiting for a leader to ask).
    var asked: Bool
}

/// What a ``NodeDirective/persist(_:)`` in flight was for.
enum PersistInFlight: Sendable {
    /// The founding state of a new member.
    case bootstrap
    /// A batch of the core: sent, applied and advanced once durable.
    case ready(Ready)
}
