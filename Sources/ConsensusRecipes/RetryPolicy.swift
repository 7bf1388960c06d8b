/// How a recipe retries a lost race: a bounded number of attempts, with exponential backoff and
/// full jitter between them (so that contenders who collided do not collide again in lockstep).
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts, the first included. At least 1.
    public var maxAttempts: Int
    /// The backoff ceiling after the first failed attempt; it doubles after each further one.
    public var initialBackoff: Duration
    /// The largest backoff ceiling.
    public var maxBackoff: Duration

    /// Creates a policy.
    /// - Parameters:
    ///   - maxAttempts: the most attempts (clamped to at least 1).
    ///   - initialBackoff: the first backoff ceiling.
    ///   - maxBackoff: the largest backoff ceiling.
    public init(maxAttempts: Int = 20, initialBackoff: Duration = .milliseconds(5), maxBackoff: Duration = .milliseconds(250)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = max(initialBackoff, maxBackoff)
    }

    /// 20 attempts, 5 ms doubling to at most 250 ms.
    public static var `default`: RetryPolicy { RetryPolicy() }

    /// How long to wait after failed attempt number `attempt` (1-based): a uniformly random
    /// duration in `0...min(maxBackoff, initialBackoff * 2^(attempt-1))`.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        var ceiling = initialBackoff
        for _ in 1..<max(1, min(attempt, 30)) where ceiling < maxBackoff { ceiling = ceiling * 2 }
        ceiling = min(ceiling, maxBackoff)
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanos)))
    }
}
