import Consensus
import ConsensusCore

/// How a ``SteppedCluster`` is built: how many members, which mechanism, how long a tick is,
/// and whether the leader lease is on. The same options and commands always give the same
/// transcript.
public struct SteppedClusterOptions: Sendable, Hashable {
    /// Seeds every member's randomness (election timeouts, proposal ids).
    public var seed: UInt64
    /// How many members; they are named `n1`, `n2`, ... (the names `consensus cluster` gives
    /// its processes, so a tutorial reads the same in both modes).
    public var members: Int
    /// `raft` (the default) or `simple_majority`.
    public var mechanism: ConsensusConfiguration.Mechanism = .raft
    /// simple_majority: the quorum fraction.
    public var quorum = 0.51
    /// One ``StepCommand/tick(count:member:)`` advances a member's clock by this much (the
    /// member handles two ticks of its own per heartbeat interval).
    public var heartbeatInterval: Duration = .milliseconds(100)
    /// raft: the election timeout range (5 to 10 heartbeats by default, so that `tick 10`
    /// always elects someone).
    public var electionTimeout: ClosedRange<Duration> = .milliseconds(500)...(.milliseconds(1000))
    /// How long a member waits for a request's outcome before answering `timeout`.
    public var requestTimeout: Duration = .seconds(5)
    /// raft: check-quorum and the leader lease (§6.2 of the dissertation): a leader that hears
    /// from no majority for an election timeout steps down, and a follower that heard from its
    /// leader within the minimum election timeout ignores vote requests. On by default, as in
    /// production. Figure 8 of the Raft paper is about the algorithm without them: turn it off
    /// to replay it with `campaign` alone.
    public var checkQuorum = true
    /// raft: snapshot every this many applied entries (0: never, the default, so `status`
    /// always shows whole logs).
    public var snapshotInterval = 0
    /// Show the failure detector's `Ping`/`Pong` messages. They are always exchanged (members
    /// that cannot hear each other report each other unreachable) but delivered by the network
    /// on its own at the end of every command, never queued for ``StepCommand/deliver(_:)``.
    public var showsFailureDetector = false
    /// `stabilize` stops after this many deliveries (and says so).
    public var stabilizeDeliveriesMax = 10_000

    /// Options for `members` members with every other field at its default.
    /// - Parameters:
    ///   - seed: the seed of the whole cluster.
    ///   - members: how many members, at least 1.
    public init(seed: UInt64 = 1, members: Int = 3) {
        self.seed = seed
        self.members = members
    }

    /// The members' names: `n1` ... `nN`.
    public var memberNames: [String] { (1...max(1, members)).map { "n\($0)" } }

    /// The configuration every member runs.
    var configuration: ConsensusConfiguration {
        let names = memberNames.map { NodeInfo(id: $0) }
        var c: ConsensusConfiguration = mechanism == .raft
            ? .raft(timeout: requestTimeout, heartbeatInterval: heartbeatInterval, electionTimeout: electionTimeout,
                    snapshotInterval: snapshotInterval, bootstrap: .newCluster(members: names))
            : .simpleMajority(timeout: requestTimeout, quorum: quorum, members: names)
        c.heartbeatInterval = heartbeatInterval
        // A peer unheard for five heartbeats is unreachable (the runtime's default).
        c.unreachableAfter = heartbeatInterval * 5
        c.checkQuorum = checkQuorum
        return c
    }

    /// Throws for options no cluster can run with, naming the field.
    func validate() throws(ConsensusError) {
        guard (1...Self.membersMax).contains(members) else {
            throw .invalidConfiguration(field: "members", reason: "must be 1...\(Self.membersMax) (got \(members))")
        }
        guard stabilizeDeliveriesMax > 0 else {
            throw .invalidConfiguration(field: "stabilizeDeliveriesMax", reason: "must be positive (got \(stabilizeDeliveriesMax))")
        }
        try configuration.validate()
    }

    /// The most members a step-mode cluster has: every message is shown, so more would be noise.
    public static let membersMax = 9
}
