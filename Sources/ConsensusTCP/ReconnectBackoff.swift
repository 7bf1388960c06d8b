/// How long a ``TCPTransport`` waits before dialing a peer again: capped exponential backoff
/// with jitter. After `n` failures in a row the wait is
/// `min(maxDelay, initialDelay × multiplier^(n-1))`, minus a random fraction (up to `jitter`) of
/// it, so that members that lost a peer together do not all call it back at the same instant.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The wait after the first failure (before jitter).
    public var initialDelay: Duration
    /// The longest wait (before jitter).
    public var maxDelay: Duration
    /// The growth factor from one failure to the next (at least 1).
    public var multiplier: Double
    /// The largest fraction of the wait taken off at random, in 0...1 (0: no jitter).
    public var jitter: Double

    /// - Parameters:
    ///   - initialDelay: The wait after the first failure (default 50 ms).
    ///   - maxDelay: The longest wait (default 5 s).
    ///   - multiplier: The growth factor (default 2).
    ///   - jitter: The largest fraction taken off at random (default 0.2).
    public init(
        initialDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(5),
        multiplier: Double = 2, jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The wait before the next attempt.
    ///
    /// - Parameters:
    ///   - failures: Failures in a row so far (1 after the first).
    ///   - random: The source of the jitter.
    /// - Returns: A wait in `(1 - jitter) × base ... base`, where `base` is capped by `maxDelay`.
    public func delay(afterFailures failures: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let initial = max(0, initialDelay.secondsValue), cap = max(initial, maxDelay.secondsValue)
        let growth = Swift.max(1, multiplier)
        let exponent = Double(Swift.max(0, failures - 1))
        let base = Swift.min(cap, initial * pow(growth, exponent))
        let cut = Swift.min(1, Swift.max(0, jitter)) * Double.random(in: 0..<1, using: &random)
        return .nanoseconds(Int64((base * (1 - cut) * 1e9).rounded()))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// `base` to the power `exponent` for `exponent` a whole number >= 0, without Foundation
/// (saturates at infinity, which the caller's cap absorbs).
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var left = exponent
    while left >= 1 && result < .greatestFiniteMagnitude {
        result *= base
        left -= 1
    }
    return result
}
