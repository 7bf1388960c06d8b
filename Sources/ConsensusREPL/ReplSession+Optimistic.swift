import Consensus

extension ReplSession {
    /// The most attempts `optimistic` makes before it gives up.
    static let optimisticAttemptsMax = 10

    /// `optimistic incr|decr|add`: reads the key (linearizable), computes the new value, and
    /// writes it with a compare-and-swap on the value it read; when another write came between,
    /// the swap fails and it starts again. Every read and swap is in the session's history.
    func optimisticAdd(key: String, delta: Int64, on ref: MemberRef?) async -> ReplOutput {
        var lines: [String] = []
        for attempt in 1...Self.optimisticAttemptsMax {
            let read = await request(.get(key: key, local: false), on: ref)
            guard !read.failed else { return .failure((lines + [read.text]).joined(separator: "\n")) }
            let found = read.json["found"]?.boolValue != false
            let current: ConsensusValue? = found ? read.json["value"] : Optional.none
            let number: Int64
            switch current {
            case nil: number = 0
            case .int(let n)?: number = n
            case let other?:
                return .failure("optimistic: \(key) holds \(other), not a whole number; 'put \(key) 0' first, or pick another key")
            }
            let (sum, overflow) = number.addingReportingOverflow(delta)
            guard !overflow else { return .failure("optimistic: \(number) + \(delta) overflows a 64-bit integer") }
            let swap = await request(.compareAndSwap(key: key, expected: current, new: .int(sum)), on: ref)
            guard !swap.failed else { return .failure((lines + [swap.text]).joined(separator: "\n")) }
            let was = current.map(\.description) ?? "absent"
            if swap.json["succeeded"]?.boolValue == true {
                lines.append("attempt \(attempt): read \(was), wrote \(sum)" + (swap.json["revision"]?.intValue.map { " (revision \($0))" } ?? ""))
                return ReplOutput(text: lines.joined(separator: "\n"), json: ["key": .string(key), "value": .int(sum), "attempts": .int(Int64(attempt))])
            }
            lines.append("attempt \(attempt): read \(was), but the value changed to \(swap.json["current"] ?? .null) before the swap: retrying")
        }
        return .failure((lines + ["optimistic: gave up after \(Self.optimisticAttemptsMax) attempts (too many concurrent writers)"]).joined(separator: "\n"))
    }
}
