import Histogram

/// Request latencies in microseconds, in an HdrHistogram (three significant digits, 1 µs to
/// 10 minutes; longer values are clamped to the top and counted in ``clamped``). Each
/// connection records into its own and the results are merged with ``add(_:)``.
public struct LatencyRecorder: Sendable {
    /// The largest latency tracked: ten minutes, in microseconds.
    public static let microsecondsMax: UInt64 = 600_000_000

    private var histogram = Histogram<UInt64>(highestTrackableValue: microsecondsMax, numberOfSignificantValueDigits: .three)
    /// Latencies above ``microsecondsMax`` (recorded as that value).
    public private(set) var clamped = 0

    /// An empty recorder.
    public init() {}

    /// Records one latency.
    public mutating func record(microseconds: UInt64) {
        let value = min(max(microseconds, 1), Self.microsecondsMax)
        if microseconds > Self.microsecondsMax { clamped += 1 }
        _ = histogram.record(value)
    }

    /// Records one latency given as a `Duration` (rounded down to the microsecond).
    public mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = seconds < 0 ? 0 : UInt64(seconds) &* 1_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000_000)
        record(microseconds: micros)
    }

    /// Adds every latency of `other`.
    public mutating func add(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
        clamped += other.clamped
    }

    /// How many latencies were recorded.
    public var count: Int { Int(histogram.totalCount) }

    /// The summary that the report prints; all zero when nothing was recorded.
    public var summary: LatencySummary {
        guard count > 0 else { return LatencySummary(p50: 0, p90: 0, p99: 0, max: 0) }
        return LatencySummary(p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
                              p99: histogram.valueAtPercentile(99), max: histogram.max)
    }
}

/// Percentiles of a latency distribution, in microseconds.
public struct LatencySummary: Sendable, Equatable, Codable {
    /// Median.
    public var p50: UInt64
    /// 90th percentile.
    public var p90: UInt64
    /// 99th percentile.
    public var p99: UInt64
    /// Largest (within the histogram's precision).
    public var max: UInt64

    /// - Parameters: the four figures, in microseconds.
    public init(p50: UInt64, p90: UInt64, p99: UInt64, max: UInt64) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }
}
