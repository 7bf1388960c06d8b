/// A duration on the command line: `100ms`, `2s`, `1.5s`, `500us`, `1m`.
public struct DurationArgument: Sendable, Hashable {
    public var duration: Duration

    public init?(_ text: String) {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number.isFinite, number >= 0, number * seconds < 1e9 else { return nil }
            duration = .nanoseconds(Int64((number * seconds * 1e9).rounded()))
            return
        }
        return nil
    }

    /// `MIN-MAX`, as `1000ms-2000ms`.
    public static func range(_ text: String) -> ClosedRange<Duration>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let low = DurationArgument(String(parts[0])), let high = DurationArgument(String(parts[1])),
              low.duration <= high.duration else { return nil }
        return low.duration...high.duration
    }
}
