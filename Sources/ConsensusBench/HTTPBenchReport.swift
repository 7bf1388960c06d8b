import Foundation

/// What one timed run of `consensus bench http` measured, and how it is printed: a text block
/// for people, or one JSON object (`--json`) for scripts.
public struct HTTPBenchReport: Sendable, Codable, Equatable {
    /// The workload's name.
    public var workload: String
    /// Concurrent connections.
    public var connections: Int
    /// Bytes per value.
    public var valueSize: Int
    /// Distinct keys.
    public var keys: Int
    /// The measured wall-clock time of the run, in seconds.
    public var seconds: Double
    /// Requests answered with a 2xx status.
    public var succeeded: Int
    /// Requests answered with another status, by status code (as text, for JSON).
    public var failedByStatus: [String: Int]
    /// Requests that got no answer (connection refused or reset, timeout).
    public var transportErrors: Int
    /// Latency of the succeeded requests, in microseconds.
    public var latency: LatencySummary
    /// `cas` only: swaps that succeeded, and swaps refused because the key held another value.
    public var casSucceeded: Int?
    /// See ``casSucceeded``.
    public var casRefused: Int?
    /// Peak resident memory of each member this command started, in KiB, by member id.
    public var memberPeakRSSKiB: [String: Int]?
    /// The failover trials, when run.
    public var failover: FailoverSummary?

    /// A report with no requests yet; fill in the fields that were measured.
    public init(workload: String, connections: Int, valueSize: Int, keys: Int) {
        self.workload = workload
        self.connections = connections
        self.valueSize = valueSize
        self.keys = keys
        seconds = 0
        succeeded = 0
        failedByStatus = [:]
        transportErrors = 0
        latency = LatencySummary(p50: 0, p90: 0, p99: 0, max: 0)
    }

    /// Succeeded requests per second (0 for an empty run).
    public var requestsPerSecond: Double { seconds > 0 ? Double(succeeded) / seconds : 0 }

    /// Failed requests of every kind.
    public var failed: Int { failedByStatus.values.reduce(0, +) + transportErrors }

    /// The report as people read it: one line per figure.
    public var text: String {
        var lines: [String] = []
        if seconds > 0 {
            lines.append("\(workload): \(connections) connections, \(valueSize)-byte values, \(keys) keys, \(Self.fixed(seconds, 2)) s")
            lines.append("  requests/s  \(Self.grouped(Int(requestsPerSecond.rounded())))  (\(Self.grouped(succeeded)) succeeded, \(Self.grouped(failed)) failed)")
            lines.append("  latency     p50 \(Self.milliseconds(latency.p50))  p90 \(Self.milliseconds(latency.p90))  "
                         + "p99 \(Self.milliseconds(latency.p99))  max \(Self.milliseconds(latency.max))")
            if failed > 0 {
                let statuses = failedByStatus.sorted { $0.key < $1.key }.map { "HTTP \($0.key): \($0.value)" }
                lines.append("  failures    " + (statuses + (transportErrors > 0 ? ["no answer: \(transportErrors)"] : [])).joined(separator: ", "))
            }
            if let casSucceeded, let casRefused {
                lines.append("  cas         \(Self.grouped(casSucceeded)) swapped, \(Self.grouped(casRefused)) refused (the key held another value)")
            }
        }
        if let rss = memberPeakRSSKiB, !rss.isEmpty {
            let members = rss.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.fixed(Double($0.value) / 1024, 1)) MiB" }
            lines.append("  peak RSS    " + members.joined(separator: ", "))
        }
        if let f = failover {
            lines.append("failover: \(f.trials) trials (SIGKILL of the leader, then writes until one succeeds), \(f.recovered) recovered")
            lines.append("  time to next write  median \(Self.fixed(f.medianMilliseconds, 0)) ms  p95 \(Self.fixed(f.p95Milliseconds, 0)) ms  "
                         + "max \(Self.fixed(f.maxMilliseconds, 0)) ms")
            lines.append("  within \(Self.fixed(f.targetMilliseconds, 0)) ms (election timeout max + 2 heartbeats): "
                         + "\(f.withinTarget) of \(f.trials)\(f.targetMet ? " (target met: 95%)" : " (target: 95%)")")
        }
        return lines.joined(separator: "\n")
    }

    /// The report as one JSON object with sorted keys, with `requestsPerSecond` added.
    public var json: String {
        struct Wire: Encodable {
            var report: HTTPBenchReport
            func encode(to encoder: any Encoder) throws {
                try report.encode(to: encoder)
                var extra = encoder.container(keyedBy: Key.self)
                try extra.encode((report.requestsPerSecond * 10).rounded() / 10, forKey: .requestsPerSecond)
            }
            enum Key: String, CodingKey { case requestsPerSecond }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(Wire(report: self)) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The line printed about once a second while the load runs.
    /// - Parameters:
    ///   - elapsed: seconds since the start.
    ///   - succeeded: requests succeeded so far.
    ///   - failed: requests failed so far.
    ///   - lastSecondSucceeded: requests succeeded since the previous line.
    ///   - interval: seconds since the previous line.
    public static func progressLine(elapsed: Double, succeeded: Int, failed: Int, lastSecondSucceeded: Int, interval: Double) -> String {
        let rate = interval > 0 ? Int((Double(lastSecondSucceeded) / interval).rounded()) : 0
        return "  \(fixed(elapsed, 1)) s: \(grouped(succeeded)) ok, \(grouped(failed)) failed, \(grouped(rate))/s"
    }

    /// Microseconds as milliseconds with two decimals and a unit: `1.25 ms`.
    public static func milliseconds(_ micros: UInt64) -> String { fixed(Double(micros) / 1000, 2) + " ms" }

    /// `value` with `digits` decimals (no locale, no exponent).
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        let scale = (0..<digits).reduce(1.0) { acc, _ in acc * 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fraction = String(scaled % Int(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// An integer with thousands separators: `12,345`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }
}
