import ConsensusCore

/// How hostile the simulated world is. Probabilities are per tick (or per message for the
/// network ones).
public struct FaultProfile: Sendable, Hashable {
    public var messageDrop: Double = 0.02
    public var messageDuplicate: Double = 0.02
    /// Each message is delayed by 1...(1 + maxDelayTicks) ticks, which also reorders them.
    public var maxDelayTicks: Int = 3
    /// Shuffle messages that are due in the same tick.
    public var reorder = true
    /// Start a new partition (random bipartition, isolate the leader, or swizzle-clog).
    public var partition: Double = 0.01
    /// Heal all partitions.
    public var heal: Double = 0.02
    /// Crash a node (losing everything not persisted); it restarts 5...60 ticks later.
    public var crash: Double = 0.005
    /// Lose power in the middle of writing a batch (lost unsynced writes, a torn last write).
    public var tornWrite: Double = 0.0
    /// Corrupt a synced record of a node's disk (a bit flip, or a misdirected write); the node
    /// finds it when it restarts and refuses to start. At most a minority of nodes are hit.
    public var diskCorruption: Double = 0.0
    /// Crash whoever leads (leader churn: the Figure 8 scenarios need it).
    public var leaderCrash: Double = 0.0
    /// Crash a node in the middle of handling a batch of work: after persisting, before sending.
    public var crashMidReady: Double = 0.002
    /// Submit a batch of 1...4 proposals to whoever leads.
    public var propose: Double = 0.3
    /// Propose a membership change (remove a voter, add a learner, promote a caught-up learner).
    public var membershipChange: Double = 0.0
    /// Ask the leader to transfer leadership to a random voter.
    public var leadershipTransfer: Double = 0.0
    /// Probability per tick that an idle simulated client sends an operation.
    public var clientRate: Double = 0.5
    /// Step a random node's wall clock forward or back by 20...400 ticks.
    public var clockJump: Double = 0.0
    /// Pause a simulated client that holds a lock for 1...80 ticks (a GC pause, a swapped-out
    /// process): it wakes up still believing it holds the lock and writes once before checking.
    public var clientPause: Double = 0.0
    /// Take a snapshot when this many entries were applied since the last one.
    public var snapshotEvery: Int = 40

    public init() {}

    /// No faults at all: used once the fault phase is over, to check liveness.
    public static var calm: FaultProfile {
        var p = FaultProfile()
        p.messageDrop = 0; p.messageDuplicate = 0; p.maxDelayTicks = 0; p.reorder = false
        p.partition = 0; p.heal = 0; p.crash = 0; p.leaderCrash = 0; p.crashMidReady = 0; p.tornWrite = 0; p.diskCorruption = 0
        p.propose = 0.05; p.membershipChange = 0; p.leadershipTransfer = 0; p.clockJump = 0; p.clientPause = 0
        return p
    }

    /// A mix chosen from the seed, so that many seeds cover many kinds of weather.
    public static func mixed(_ rng: inout SplitMix64) -> FaultProfile {
        var p = FaultProfile()
        p.messageDrop = rng.pick([0, 0.01, 0.05, 0.15])
        p.messageDuplicate = rng.pick([0, 0.02, 0.1])
        p.maxDelayTicks = rng.pick([0, 1, 3, 8])
        p.partition = rng.pick([0, 0.005, 0.02])
        p.heal = rng.pick([0.01, 0.05])
        p.crash = rng.pick([0, 0.003, 0.01])
        p.crashMidReady = rng.pick([0, 0.001, 0.005])
        p.leaderCrash = rng.pick([0, 0, 0.01, 0.03])
        p.tornWrite = rng.pick([0, 0, 0.002, 0.01])
        p.propose = rng.pick([0.1, 0.3, 0.8])
        p.membershipChange = rng.pick([0, 0, 0.02, 0.05])
        // Lost disks shrink the set of live voters; keep them to runs without membership changes.
        p.diskCorruption = p.membershipChange == 0 ? rng.pick([0, 0, 0.002]) : 0
        p.leadershipTransfer = rng.pick([0, 0.005, 0.02])
        p.snapshotEvery = rng.pick([10, 40, 1000])
        p.clockJump = rng.pick([0, 0.01, 0.05])
        p.clientPause = rng.pick([0, 0.02, 0.1])
        return p
    }
}

/// One simulated run.
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    public var nodes: Int = 3
    /// Ticks with faults; then the world calms down and liveness is checked.
    public var steps: Int = 300
    /// A leader must be elected and a proposal committed everywhere within this many calm ticks
    /// (enough for a follower to catch up on a long backlog one small message at a time).
    public var livenessTicks: Int = 1000
    /// `nil`: draw a profile from the seed.
    public var faults: FaultProfile?
    public var raft: RaftOptions
    /// Draw message size and pipeline bounds from the seed too (small bounds split the log into
    /// many appends, which is where commit-rule bugs hide).
    public var varyFlowControl = true
    /// Simulated clients sending put/get/CAS/counter/lock operations whose history is checked
    /// for linearizability at the end (0: none).
    public var clients = 0
    /// What the simulated clients run: random single operations (`nil`), or one of the recipes'
    /// step machines (``RecipeWorkload``).
    public var recipes: RecipeWorkload?
    /// Where leaders take the time they stamp on commands.
    public var storeClock = StoreClockSource.leaderTicks
    /// Nodes keep their log in the real `FileStorage` on a `SimulatedFileSystem` (instead of the
    /// record-level `SimulatedDisk`), so the WAL's own recovery meets every crash and disk fault.
    public var fileStorage = false
    /// States the linearizability checker may explore per key before it gives up (a failure).
    public var checkerBudget = 500_000
    /// A client that hears nothing for this many ticks records the outcome as unknown.
    public var clientTimeoutTicks = 60
    /// Record every delivered message in the trace (verbose).
    public var traceMessages = false
    /// Keep at most this many trace lines in memory (the last ones).
    public var traceLimit: Int = 2000

    public init(seed: UInt64, nodes: Int = 3, steps: Int = 300, faults: FaultProfile? = nil) {
        self.seed = seed
        self.nodes = nodes
        self.steps = steps
        self.faults = faults
        var raft = RaftOptions()
        raft.heartbeatTicks = 2
        raft.electionTicksMin = 10
        raft.electionTicksMax = 20
        raft.maxInflightMessages = 8
        raft.maxBytesPerMessage = 512
        // Back-pressure: a leader refuses proposals while this many are uncommitted.
        raft.maxUncommittedEntries = 256
        self.raft = raft
    }
}

extension SimulationOptions {
    /// The `consensus sim` options, beyond seed, nodes and steps, that replay a run with these
    /// options.
    public var replayOptions: String {
        var text = ""
        if clients > 0 { text += " --clients \(clients)" }
        if let recipes { text += " --recipes \(recipes.rawValue)" }
        if storeClock == .wallClock { text += " --store-clock wall-clock" }
        if fileStorage { text += " --file-storage" }
        if checkerBudget != SimulationOptions(seed: 0).checkerBudget { text += " --checker-budget \(checkerBudget)" }
        if faults != nil { text += " [faults chosen by the test: replay with CONSENSUS_SEED]" }
        return text
    }
}

/// Where a simulated leader takes the store time it stamps on commands.
public enum StoreClockSource: String, Sendable, Hashable, CaseIterable {
    /// The leader's ticks, counted from the applied store clock (``LeaderClock``): what the
    /// runtime does.
    case leaderTicks = "leader-ticks"
    /// The leader's own wall clock, kept monotonic per leader: what the first runtime did. A wall
    /// clock that steps forward makes grants lapse early; the recipe tests show the harm.
    case wallClock = "wall-clock"
}
