import ConsensusCore

/// How a ``ConsensusTrait`` reaches agreement, and how fast. Every field does what its name says;
/// ``validate()`` refuses values that cannot work, naming the field.
public struct ConsensusConfiguration: Sendable, Hashable {
    /// The agreement mechanism.
    public enum Mechanism: String, Sendable, Hashable {
        /// Leader-based, linearizable, durable (the Raft paper).
        case raft
        /// Leaderless vote with a quorum fraction and a timeout (weaker guarantees).
        case simpleMajority = "simple_majority"
    }

    /// Whether a node founds a cluster or waits to be added to one.
    public enum Bootstrap: Sendable, Hashable {
        /// Found a new cluster whose voters are these members (this node among them). The
        /// default, a cluster of just this node, grows with ``ConsensusTrait/addNode(_:)``.
        case newCluster(members: [NodeInfo])
        /// Start empty and wait for a member of a running cluster to add this node.
        case join
    }

    public var mechanism: Mechanism
    /// How long a proposal or a read may take before it fails with ``ConsensusError/timedOut``.
    public var timeout: Duration
    /// simple_majority: the fraction of members whose votes accept a proposal, in (0, 1].
    public var quorum: Double
    /// raft: how often the leader sends heartbeats. Must be at most half the minimum election timeout.
    public var heartbeatInterval: Duration
    /// raft: a follower that hears no leader for a random time in this range starts an election.
    /// From two bounds given separately (where `min > max` is possible), build it with
    /// ``electionTimeoutRange(min:max:)``, which refuses rather than traps.
    public var electionTimeout: ClosedRange<Duration>
    /// Group proposals that arrive within `batchWindow` into one log append.
    public var batchUpdates: Bool
    public var batchWindow: Duration
    /// Compress entry payloads and snapshots larger than `compressionThreshold` bytes (deflate).
    public var compression: Bool
    public var compressionThreshold: Int
    /// Snapshot the state machine and compact the log every this many applied entries (0: never).
    public var snapshotInterval: Int
    /// A peer not heard from for this long is reported unreachable.
    public var unreachableAfter: Duration
    public var bootstrap: Bootstrap?
    /// Seed for the randomised election timeouts (`nil`: drawn from the system generator).
    public var seed: UInt64?
    /// The bounds on every queue of a member (see ``NodeLimits``).
    public var limits = NodeLimits()
    /// raft: a leader that has not heard from a majority within an election timeout steps down
    /// (§6.2 of the dissertation). Leave it on; the simulator turns it off to show that
    /// ReadIndex alone keeps reads on an isolated old leader linearizable.
    public var checkQuorum = true

    /// A Raft configuration. Defaults follow DESIGN.md: 100 ms heartbeats, 1-2 s elections.
    public static func raft(
        timeout: Duration = .seconds(5),
        heartbeatInterval: Duration = .milliseconds(100),
        electionTimeout: ClosedRange<Duration> = .milliseconds(1000)...(.milliseconds(2000)),
        batchUpdates: Bool = false,
        batchWindow: Duration = .milliseconds(5),
        compression: Bool = false,
        compressionThreshold: Int = 1024,
        snapshotInterval: Int = 10_000,
        bootstrap: Bootstrap? = nil
    ) -> ConsensusConfiguration {
        ConsensusConfiguration(
            mechanism: .raft, timeout: timeout, quorum: 0.51, heartbeatInterval: heartbeatInterval,
            electionTimeout: electionTimeout, batchUpdates: batchUpdates, batchWindow: batchWindow,
            compression: compression, compressionThreshold: compressionThreshold,
            snapshotInterval: snapshotInterval, unreachableAfter: unreachableAfter(heartbeatInterval: heartbeatInterval),
            bootstrap: bootstrap, seed: nil)
    }

    /// A simple-majority configuration. `members` is the membership every member starts with
    /// (this member is added if missing); ``ConsensusTrait/addNode(_:)`` tells every member of
    /// later additions.
    public static func simpleMajority(timeout: Duration = .seconds(5), quorum: Double = 0.51, members: [NodeInfo]? = nil) -> ConsensusConfiguration {
        var c = raft(timeout: timeout)
        c.mechanism = .simpleMajority
        c.quorum = quorum
        if let members { c.bootstrap = .newCluster(members: members) }
        return c
    }

    // MARK: - Ticks

    /// The runtime ticks the core twice per heartbeat interval.
    public var tickInterval: Duration { heartbeatInterval / 2 }

    /// The core's options derived from the durations (never trapping, even on a configuration
    /// ``validate()`` refuses: see ``ticks(_:of:)``).
    var raftOptions: RaftOptions {
        var o = RaftOptions()
        o.heartbeatTicks = 2
        o.checkQuorum = checkQuorum
        o.electionTicksMin = max(3, Self.ticks(electionTimeout.lowerBound, of: tickInterval))
        o.electionTicksMax = max(o.electionTicksMin + 1, Self.ticks(electionTimeout.upperBound, of: tickInterval))
        return o
    }
}
