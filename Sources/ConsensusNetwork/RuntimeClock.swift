/// A clock as the runtime sees it: the time since the clock was wrapped, and a way to sleep.
///
/// Every deadline of the runtime (ticks, wake-ups, message delays, the recipes' leases) is read
/// from one of these, never from the wall clock, so that a test can substitute a virtual clock.
public struct RuntimeClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`; ``now()`` counts from this moment.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleeper = { try await clock.sleep(for: $0) }
    }

    /// Wraps a new monotonic `ContinuousClock`.
    public static var continuous: RuntimeClock { RuntimeClock(ContinuousClock()) }

    /// The time since this clock was wrapped.
    public func now() -> Duration { elapsed() }

    /// Suspends for `duration` (returns at once if it is not positive).
    /// - Throws: `CancellationError` if the task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        if duration > .zero { try await sleeper(duration) }
    }

    /// Suspends until ``now()`` reaches `deadline`.
    public func sleep(until deadline: Duration) async throws {
        try await sleep(for: deadline - now())
    }
}
