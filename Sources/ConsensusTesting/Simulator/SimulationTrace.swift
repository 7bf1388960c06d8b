import ConsensusCore

/// The readable record of a run: one line per interesting event, each stamped with its tick.
/// It keeps the last `limit` lines and a digest of all of them, so two runs can be compared.
public struct SimulationTrace: Sendable {
    public private(set) var lines: [String] = []
    public private(set) var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    public private(set) var count = 0
    let limit: Int
    /// Called with every line as it is recorded (the CLI prints them live).
    var sink: (@Sendable (String) -> Void)?

    init(limit: Int) { self.limit = limit }

    mutating func record(_ tick: UInt64, _ text: String) {
        let line = "t=\(tick) \(text)"
        digest = fnv1a(Array(line.utf8), seed: digest)
        count += 1
        sink?(line)
        lines.append(line)
        if lines.count > limit + limit / 2 { lines.removeFirst(lines.count - limit) }
    }

    /// The last `n` lines.
    public func tail(_ n: Int) -> [String] { Array(lines.suffix(n)) }
}
