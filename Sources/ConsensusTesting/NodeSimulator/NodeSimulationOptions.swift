import Consensus
import ConsensusCore

/// What a ``NodeSimulation`` runs: which mechanism, how many members and clients, how long, and
/// how hostile the world is.
public struct NodeSimulationOptions: Sendable, Hashable {
    /// The weather of a run.
    public enum Weather: String, Sendable, Hashable, CaseIterable {
        /// Drops, duplicates, delays, partitions, crashes and restarts, chosen from the seed.
        case mixed
        /// The leader is isolated while some clients stay stuck on it and keep reading, and the
        /// others write on the majority side. Check-quorum is off and the failure detector slow,
        /// so the old leader keeps believing it leads: only ReadIndex's heartbeat round keeps
        /// its reads linearizable.
        case stuckClients
    }

    public var seed: UInt64
    public var mechanism: ConsensusConfiguration.Mechanism = .raft
    public var members = 3
    public var clients = 3
    /// Ticks of the fault phase; a calm phase follows, then the checks.
    public var steps = 300
    public var weather: Weather = .mixed
    /// A client that hears nothing for this many ticks gives up: the outcome is unknown.
    public var clientTimeoutTicks = 60
    /// simple_majority: the quorum fraction.
    public var quorum = 0.51
    public var checkerBudget = 1_000_000
    /// Record every message delivered in the trace.
    public var traceMessages = false
    /// Keep the last this many trace lines (printed on a failure).
    public var traceLimit = 400

    public init(seed: UInt64) { self.seed = seed }
}

/// A property a ``NodeSimulation`` found broken, with the seed that replays it.
public struct NodeSimulationFailure: Error, Sendable, CustomStringConvertible {
    public var seed: UInt64
    public var tick: UInt64
    public var property: String
    public var detail: String
    public var trace: [String]
    public var replay: String

    public var description: String {
        "seed \(seed), tick \(tick): \(property): \(detail)\n  replay: \(replay)\n" + trace.suffix(40).map { "  " + $0 }.joined(separator: "\n")
    }
}

/// What a ``NodeSimulation`` run did.
public struct NodeSimulationSummary: Sendable, Hashable {
    public var ticks: UInt64 = 0
    public var elections = 0
    public var crashes = 0
    public var partitions = 0
    public var operations = 0
    /// Answered with a result (applied, read, or refused by the state machine).
    public var completed = 0
    /// Refused before reaching the log (no quorum, overloaded, no leader): known to have no effect.
    public var refused = 0
    public var unknown = 0
    /// Operations sent to a member that did not lead (forwarded, or read through the leader).
    public var viaFollower = 0
    /// Reads sent to an isolated old leader (``NodeSimulationOptions/Weather/stuckClients``).
    public var staleLeaderReads = 0
    /// simple_majority: proposals accepted and rejected.
    public var accepted = 0
    public var rejected = 0
    public var traceDigest: UInt64 = 0

    public init() {}
}
