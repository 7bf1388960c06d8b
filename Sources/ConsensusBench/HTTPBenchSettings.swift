/// The options of `consensus bench http`, checked before anything starts: ``problem`` names the
/// first bad flag in one line, so a bad command line is an error message, never a crash.
public struct HTTPBenchSettings: Sendable {
    /// The workload's name (see ``HTTPWorkload``).
    public var workload = "put"
    /// Concurrent connections, each with one request in flight.
    public var connections = 16
    /// How long the timed run lasts, as `10`, `10s`, `500ms` or `1m`; `0` skips it.
    public var duration = "10s"
    /// Bytes per value.
    public var valueSize = 64
    /// Distinct keys.
    public var keys = 1000
    /// `host:port,...` of running members' APIs; empty: start a local cluster.
    public var connect: [String] = []
    /// Leader kills to time after the load (local cluster only).
    public var failoverTrials = 0

    /// The bounds of the numeric options.
    public static let connectionsMax = 4096
    /// Bytes per value at most (1 MiB).
    public static let valueSizeMax = 1 << 20
    /// Keys at most.
    public static let keysMax = 10_000_000
    /// Failover trials at most.
    public static let failoverTrialsMax = 1000
    /// The longest run: one hour.
    public static let durationMax: Duration = .seconds(3600)

    /// Settings with the defaults: `put`, 16 connections, 10 s, 64-byte values, 1,000 keys.
    public init() {}

    /// The first problem, as one line that names the flag, or `nil`.
    public var problem: String? {
        guard HTTPWorkload(name: workload) != nil else {
            return "--workload: one of \(HTTPWorkload.allCases.map(\.rawValue).joined(separator: ", ")), not '\(workload)'"
        }
        guard (1...Self.connectionsMax).contains(connections) else { return "--connections: 1 to \(Self.connectionsMax), not \(connections)" }
        guard let length = Self.parseDuration(duration), length <= Self.durationMax else {
            return "--duration: seconds such as 10, 10s, 500ms or 1m, at most 1 hour, not '\(duration)'"
        }
        guard (1...Self.valueSizeMax).contains(valueSize) else { return "--value-size: 1 to \(Self.valueSizeMax) bytes, not \(valueSize)" }
        guard (1...Self.keysMax).contains(keys) else { return "--keys: 1 to \(Self.keysMax), not \(keys)" }
        guard (0...Self.failoverTrialsMax).contains(failoverTrials) else {
            return "--failover-trials: 0 to \(Self.failoverTrialsMax), not \(failoverTrials)"
        }
        if length == .zero && failoverTrials == 0 { return "--duration: 0 skips the load, which leaves nothing to do without --failover-trials" }
        if case .failure(let problem) = Self.parseAddresses(connect) { return problem.message }
        if failoverTrials > 0 && !connect.isEmpty {
            return "--failover-trials kills members, so it only runs on a local cluster that this command starts (drop --connect)"
        }
        return nil
    }

    /// The workload (valid settings only).
    public var parsedWorkload: HTTPWorkload { HTTPWorkload(name: workload)! }

    /// The run's length (valid settings only).
    public var parsedDuration: Duration { Self.parseDuration(duration)! }

    /// The API addresses of `--connect` (valid settings only).
    public var addresses: [String] {
        guard case .success(let list) = Self.parseAddresses(connect) else { return [] }
        return list
    }

    /// `10`, `2.5`, `10s`, `500ms`, `1m`; `nil` when negative or not a duration.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let milliseconds = value * scale * 1000
        guard milliseconds <= 1e12 else { return nil }
        return .milliseconds(Int64(milliseconds.rounded()))
    }

    /// `host:port` items, each list item possibly comma-separated; a failure names the bad one.
    public static func parseAddresses(_ items: [String]) -> Result<[String], AddressProblem> {
        var addresses: [String] = []
        for part in items.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let item = part.trimmingCharacters(in: " ")
            guard let colon = item.lastIndex(of: ":"), colon != item.startIndex,
                  let port = Int(item[item.index(after: colon)...]), (1...65535).contains(port) else {
                return .failure(AddressProblem("--connect: host:port[,host:port...], not '\(item)'"))
            }
            addresses.append(String(item))
        }
        return .success(addresses)
    }

    /// Why an address list was refused.
    public struct AddressProblem: Error, Sendable, Equatable {
        /// One line naming the flag.
        public var message: String
        init(_ message: String) { self.message = message }
    }
}

private extension Substring {
    func trimmingCharacters(in character: Character) -> Substring {
        var s = self
        while s.first == character { s.removeFirst() }
        while s.last == character { s.removeLast() }
        return s
    }
}
