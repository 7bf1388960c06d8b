import ConsensusNetwork

/// Runs `body` in virtual time: on one thread, with a ``VirtualClock`` that moves only when every
/// task of the test waits (see ``VirtualTimeExecutor``). Pass the clock to what you create
/// (`LocalCluster(clock:)`, `ConsensusTrait(clock:)`) and sleep on it, never with `Task.sleep`.
///
/// ```swift
/// try await withVirtualTime { clock in
///     let cluster = LocalCluster(size: 3, clock: clock)
///     try await cluster.start()
///     _ = try await cluster.waitForLeader()      // virtual seconds, a few real milliseconds
/// }
/// ```
/// - Parameter limit: how far virtual time may go; past it the process stops with a message
///   (a test waiting for something that never happens).
public func withVirtualTime<T>(limit: Duration = .seconds(3600), _ body: (VirtualClock) async throws -> T) async throws -> T {
    let clock = VirtualClock(limit: limit)
    let executor = VirtualTimeExecutor(clock: clock)
    defer { executor.finish() }
    return try await RuntimeExecutor.$preferred.withValue(executor) {
        try await VirtualTime.$clock.withValue(clock) {
            try await withTaskExecutorPreference(executor) {
                try await body(clock)
            }
        }
    }
}

/// The virtual clock of the test running now, if it runs in virtual time.
public enum VirtualTime {
    /// Bound by ``withVirtualTime(limit:_:)`` for its body and every task started in it.
    @TaskLocal public static var clock: VirtualClock?

    /// The clock a test helper should wait on: the virtual one inside ``withVirtualTime(limit:_:)``,
    /// the monotonic one elsewhere.
    public static var runtimeClock: RuntimeClock { clock.map { RuntimeClock($0) } ?? .continuous }
}

/// Runs `body` in real time on a thread of its own: the body, the actors it calls and the
/// runtime's tasks all run there, so a CPU-bound test elsewhere in the process cannot starve it
/// of Swift's shared threads (what made real-time cluster tests time out in loaded runs). For the
/// few tests that must use real time (real files, the README's example as written).
public func onDedicatedThread<T>(_ body: () async throws -> T) async throws -> T {
    let executor = VirtualTimeExecutor(clock: nil)
    defer { executor.finish() }
    return try await RuntimeExecutor.$preferred.withValue(executor) {
        try await withTaskExecutorPreference(executor) {
            try await body()
        }
    }
}
