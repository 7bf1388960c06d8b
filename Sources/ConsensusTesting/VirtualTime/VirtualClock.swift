import Synchronization

/// A clock whose time moves only when told: by ``advanceToNextDeadline()``, which the
/// ``VirtualTimeExecutor`` calls when every task it runs is waiting. Time then jumps to the
/// earliest sleeper's deadline and wakes the sleepers due, in deadline order (ties in the order
/// they went to sleep).
///
/// With it, a cluster's elections, heartbeats, leases and timeouts depend only on what the
/// members do, never on how busy the machine is.
public final class VirtualClock: Clock, Sendable {
    /// A point in virtual time: the time since the clock was created.
    public struct Instant: InstantProtocol, Sendable {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var nextID: UInt64 = 0
        /// Sleepers by the order they went to sleep.
        var sleepers: [UInt64: Sleeper] = [:]
        /// Sleeps cancelled before they were registered.
        var cancelledEarly: Set<UInt64> = []
        /// Sleeps started and not yet over (resumed or cancelled).
        var open: Set<UInt64> = []
    }

    private let state = Mutex(State())
    /// The furthest time may go; see ``advanceToNextDeadline()``.
    public let limit: Duration

    /// A clock at time zero that may advance up to `limit`.
    public init(limit: Duration = .seconds(3600)) {
        self.limit = limit
    }

    public var now: Instant { Instant(offset: state.withLock { $0.now }) }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// How many tasks sleep on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            s.open.insert(s.nextID)
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Start { case wait, due, cancelled }
                let start = state.withLock { s -> Start in
                    if s.cancelledEarly.remove(id) != nil { s.open.remove(id); return .cancelled }
                    if deadline.offset <= s.now { s.open.remove(id); return .due }
                    s.sleepers[id] = Sleeper(deadline: deadline.offset, continuation: continuation)
                    return .wait
                }
                switch start {
                case .wait: break
                case .due: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let continuation = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard s.open.contains(id) else { return nil }
                if let sleeper = s.sleepers.removeValue(forKey: id) {
                    s.open.remove(id)
                    return sleeper.continuation
                }
                s.cancelledEarly.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Resumes every sleeper with `CancellationError` (the test is over).
    public func cancelAllSleepers() {
        let all = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            let all = s.sleepers.values.map(\.continuation)
            for id in s.sleepers.keys { s.open.remove(id) }
            s.sleepers = [:]
            return all
        }
        for continuation in all { continuation.resume(throwing: CancellationError()) }
    }

    /// Moves time to the earliest sleeper's deadline and wakes every sleeper due by then.
    /// - Returns: `false` if nobody sleeps (time stays).
    /// - Precondition: the deadline is within ``limit``; past it, the process stops with a
    ///   message (a test waiting for something that never happens would otherwise spin forever
    ///   in virtual time, or hang).
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>]? in
            guard let next = s.sleepers.values.map(\.deadline).min() else { return nil }
            guard next <= limit else {
                fatalError("""
                    virtual time would pass its limit (\(limit)) with \(s.sleepers.count) task(s) still \
                    sleeping: the test waits for something that never happens
                    """)
            }
            s.now = max(s.now, next)
            let woken = s.sleepers.filter { $0.value.deadline <= s.now }.sorted {
                ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key)
            }
            for (id, _) in woken {
                s.sleepers[id] = nil
                s.open.remove(id)
            }
            return woken.map(\.value.continuation)
        }
        guard let due else { return false }
        for continuation in due { continuation.resume() }
        return true
    }
}
