/// A property the simulator found broken, with what is needed to replay it.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
    public var seed: UInt64
    public var tick: UInt64
    /// Which property: "election safety", "log matching", "leader completeness",
    /// "state machine safety", "durability", "liveness".
    public var property: String
    public var detail: String
    /// The end of the trace, up to the failure.
    public var trace: [String]
    public var nodes: Int
    public var steps: Int
    /// The `consensus sim` options that replay this run (a fault profile chosen by a test, not
    /// drawn from the seed, cannot be given on the command line: replay those with CONSENSUS_SEED).
    public var replayOptions: String = ""

    public var description: String {
        """
        simulation failed: \(property) at tick \(tick): \(detail)
        reproduce with: consensus sim --seed \(seed) --nodes \(nodes) --steps \(steps)\(replayOptions)   (or CONSENSUS_SEED=\(seed) swift test --filter Simulator)
        last \(trace.count) trace lines:
        \(trace.joined(separator: "\n"))
        """
    }
}
