import Consensus

/// One line of the REPL, parsed: what to do, with every argument checked and typed.
///
/// The same commands run against any ``ReplBackend``: the processes of a local cluster (process
/// mode) or, later, a simulated cluster in this process (step mode).
public enum ReplCommand: Sendable, Hashable {
    /// A table of every member: role, term, commit, applied, log length, reachable.
    case status
    /// The members as the cluster sees them: id, address, role, reachable.
    case nodes
    /// Who leads, in which term.
    case leader
    /// Adds a member; without an address, the backend starts one (when it can).
    case addNode(id: String, address: String?)
    /// Removes a member from the cluster.
    case removeNode(MemberRef)
    /// Hands leadership to a member.
    case transferLeader(MemberRef)
    /// A client request, sent to a member (`nil`: the leader, or any member that answers).
    case request(ClientRequest, on: MemberRef?)
    /// Changes of a key (or of every key under a prefix) until Ctrl-C.
    case watch(key: String, prefix: Bool, on: MemberRef?)
    /// A fault to inject or take back.
    case fault(FaultCommand)
    /// Start or stop showing every member's events.
    case trace(on: Bool)
    /// The operations this session ran, with their outcomes.
    case history
    /// The linearizability checker's verdict on ``history``.
    case check
    /// Every member's debug state.
    case debug
    /// Who campaigned and who voted for whom in an election (the latest when `nil`).
    case why(term: UInt64?)
    /// Writes the session's commands as a script that `consensus run` replays.
    case save(path: String)
    /// Read, change and write back with compare-and-swap, retrying when another write came
    /// between (the lesson's optimistic update, done safely).
    case optimisticAdd(key: String, delta: Int64, on: MemberRef?)
    /// How results are printed.
    case output(OutputFormat)
    /// The command list, or one command's help.
    case help(String?)
    /// Ends the session (and stops the members it started).
    case quit
    /// A command that is planned but not built yet: says so.
    case notYet(command: String, reason: String)
}

/// A member named on the command line: by id, or `leader` (whoever leads when the command runs).
public enum MemberRef: Sendable, Hashable, CustomStringConvertible {
    /// The current leader.
    case leader
    /// The member with this id.
    case id(String)

    /// `leader` or the id.
    public var description: String {
        switch self {
        case .leader: return "leader"
        case .id(let id): return id
        }
    }

    /// `leader` is the leader; anything else is an id.
    public init(_ word: String) {
        self = word == "leader" ? .leader : .id(word)
    }
}

/// A fault, as typed.
public enum FaultCommand: Sendable, Hashable {
    /// SIGKILL the member's process.
    case kill(MemberRef)
    /// Start the member again on its data.
    case restart(MemberRef)
    /// SIGSTOP the member (it keeps its sockets and answers nothing).
    case pause(MemberRef)
    /// SIGCONT a paused member.
    case resume(MemberRef)
    /// Cut the traffic between two groups of members.
    case partition([MemberRef], [MemberRef])
    /// Restore all traffic.
    case heal
}

/// How the REPL prints results.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    /// Tables and sentences, for people.
    case table
    /// One JSON document per result, for scripts.
    case json
}

/// A request a client sends to one member: the backend's vocabulary (the HTTP API's endpoints).
public enum ClientRequest: Sendable, Hashable {
    case status
    case put(key: String, value: ConsensusValue)
    case get(key: String, local: Bool)
    case delete(key: String)
    case compareAndSwap(key: String, expected: ConsensusValue?, new: ConsensusValue?)
    /// The lesson's proposeWithResult: votes, quorum, error.
    case propose(key: String, value: ConsensusValue)
    case pending
    case vote(proposal: String, accept: Bool)
    case lockAcquire(name: String, holder: String, ttlMilliseconds: Int64, waitMilliseconds: Int64?)
    case lockRenew(name: String, holder: String, token: UInt64, ttlMilliseconds: Int64)
    case lockRelease(name: String, holder: String, token: UInt64)
    case lockShow(name: String)
    case counterAdd(name: String, delta: Int64)
    case counterGet(name: String)
    case counterBatch([CounterDeltaArgument])
    case addMember(id: String, address: String)
    case removeMember(id: String)
    case transferLeader(to: String)
    /// Campaign in the application election `election` (`POST /v1/elections/{name}/campaign`).
    case electCampaign(election: String, candidate: String, value: ConsensusValue?, ttlMilliseconds: Int64, waitMilliseconds: Int64?)
    /// Who leads the application election (linearizable).
    case electShow(election: String)
    /// Give up a term, by its token.
    case electResign(election: String, candidate: String, token: UInt64)
    /// An all-or-nothing transaction: the body of `POST /v1/txn` (`{"if": [...], "then": [...], "else": [...]}`).
    case transaction(ConsensusValue)
}

/// One `name=delta` of `counter batch`.
public struct CounterDeltaArgument: Sendable, Hashable {
    public var name: String
    public var delta: Int64

    public init(name: String, delta: Int64) {
        self.name = name
        self.delta = delta
    }
}
