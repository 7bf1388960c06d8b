/// The figures of `--failover-trials`: for each trial, the time from SIGKILL of the leader to
/// the next write that succeeded (or none, when the trial gave up).
public struct FailoverSummary: Sendable, Equatable, Codable {
    /// Trials run.
    public var trials: Int
    /// Trials in which a write succeeded before the trial's deadline.
    public var recovered: Int
    /// Median recovery time in milliseconds (of the recovered trials; 0 when none).
    public var medianMilliseconds: Double
    /// 95th percentile (nearest rank) in milliseconds.
    public var p95Milliseconds: Double
    /// Slowest recovery in milliseconds.
    public var maxMilliseconds: Double
    /// The bound the issue sets: the election timeout's maximum plus two heartbeats.
    public var targetMilliseconds: Double
    /// Trials that recovered within ``targetMilliseconds``.
    public var withinTarget: Int

    /// Summarises recovery times.
    /// - Parameters:
    ///   - milliseconds: one entry per trial, `nil` for a trial that did not recover.
    ///   - targetMilliseconds: the bound to count against.
    public init(milliseconds: [Double?], targetMilliseconds: Double) {
        let times = milliseconds.compactMap { $0 }.sorted()
        trials = milliseconds.count
        recovered = times.count
        self.targetMilliseconds = targetMilliseconds
        withinTarget = times.filter { $0 <= targetMilliseconds }.count
        medianMilliseconds = Self.nearestRank(times, 50)
        p95Milliseconds = Self.nearestRank(times, 95)
        maxMilliseconds = times.last ?? 0
    }

    /// The nearest-rank percentile of sorted values (0 when empty): the smallest value with at
    /// least `percent`% of the values at or below it.
    public static func nearestRank(_ sorted: [Double], _ percent: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Whether the goal holds: 95% of all trials recover within the target.
    public var targetMet: Bool { trials > 0 && Double(withinTarget) >= 0.95 * Double(trials) }
}
