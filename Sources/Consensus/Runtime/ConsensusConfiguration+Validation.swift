/// Validation: no configuration value may crash the process. ``ConsensusTrait/start()`` calls
/// ``ConsensusConfiguration/validate()``; a program can call it earlier, when it reads the values.
extension ConsensusConfiguration {
    /// The longest duration any field may hold: one year. Longer is a mistake, and a duration
    /// near `Duration`'s own limit overflows the tick arithmetic (and even its own description).
    public static let durationMax: Duration = .seconds(365 * 24 * 3600)

    /// Throws ``ConsensusError/invalidConfiguration(field:reason:)`` for the first bad field, with
    /// a reason that says what is allowed and what was given. Checked: `timeout`, `quorum`
    /// (NaN and infinities included), `heartbeatInterval`, `electionTimeout`, `batchWindow`,
    /// `compressionThreshold`, `snapshotInterval`, `unreachableAfter` and every field of
    /// `limits`; every duration is at most ``durationMax``.
    public func validate() throws(ConsensusError) {
        if let (field, reason) = validationError() { throw .invalidConfiguration(field: field, reason: reason) }
    }

    /// The bounds of an election timeout given separately (a command line, a file), as the
    /// range ``electionTimeout`` holds. A `ClosedRange` cannot even be built with `min > max`
    /// (it traps); this refuses instead.
    ///
    /// ```swift
    /// var configuration = ConsensusConfiguration.raft()
    /// configuration.electionTimeout = try ConsensusConfiguration.electionTimeoutRange(min: .seconds(1), max: .seconds(2))
    /// ```
    ///
    /// - Parameters:
    ///   - min: the shortest timeout, positive.
    ///   - max: the longest, greater than `min` (randomised timeouts resolve split votes) and at
    ///     most ``durationMax``.
    /// - Returns: `min...max`.
    /// - Throws: ``ConsensusError/invalidConfiguration(field:reason:)`` naming `electionTimeout`.
    public static func electionTimeoutRange(min: Duration, max: Duration) throws(ConsensusError) -> ClosedRange<Duration> {
        if let reason = electionTimeoutProblem(min: min, max: max) {
            throw .invalidConfiguration(field: "electionTimeout", reason: reason)
        }
        return min...max
    }

    /// `duration` in whole ticks of `tick`, rounded up. Never traps: a negative, zero or NaN
    /// ratio is 0, and anything beyond `Int32.max` ticks is `Int32.max`, even for a
    /// configuration that ``validate()`` refuses.
    static func ticks(_ duration: Duration, of tick: Duration) -> Int {
        let ratio = (duration / tick).rounded(.up)
        guard ratio > 0 else { return 0 }
        return ratio < Double(Int32.max) ? Int(ratio) : Int(Int32.max)
    }

    /// The default `unreachableAfter` for a heartbeat interval: five of them (not multiplied
    /// when the interval is already beyond ``durationMax``, where the product could overflow;
    /// ``validate()`` refuses that interval).
    static func unreachableAfter(heartbeatInterval: Duration) -> Duration {
        isWithinBounds(heartbeatInterval) ? heartbeatInterval * 5 : heartbeatInterval
    }

    // MARK: - The checks

    /// The first bad field and why, or `nil`. Every duration is checked against ``durationMax``
    /// before any arithmetic on it.
    private func validationError() -> (field: String, reason: String)? {
        let show = Self.show
        let durations: [(String, Duration)] = [
            ("timeout", timeout), ("heartbeatInterval", heartbeatInterval),
            ("electionTimeout", electionTimeout.lowerBound), ("electionTimeout", electionTimeout.upperBound),
            ("batchWindow", batchWindow), ("unreachableAfter", unreachableAfter),
        ]
        for (field, d) in durations where !Self.isWithinBounds(d) {
            return (field, "must be at most \(show(Self.durationMax)) long (got \(show(d)))")
        }
        if timeout <= .zero { return ("timeout", "must be positive (got \(show(timeout)))") }
        if !(quorum > 0 && quorum <= 1) { return ("quorum", "must be in (0, 1] (got \(quorum))") }
        if heartbeatInterval < .milliseconds(1) {
            return ("heartbeatInterval", "must be at least 1 ms (got \(show(heartbeatInterval)))")
        }
        if let reason = Self.electionTimeoutProblem(min: electionTimeout.lowerBound, max: electionTimeout.upperBound) {
            return ("electionTimeout", reason)
        }
        if heartbeatInterval * 2 > electionTimeout.lowerBound {
            return ("heartbeatInterval", "must be at most half the minimum election timeout (\(show(heartbeatInterval)) vs \(show(electionTimeout.lowerBound))), or followers start elections while the leader is alive")
        }
        if batchWindow < .zero { return ("batchWindow", "must not be negative (got \(show(batchWindow)))") }
        if batchUpdates && batchWindow >= timeout {
            return ("batchWindow", "must be shorter than timeout (\(show(batchWindow)) vs \(show(timeout)))")
        }
        if compressionThreshold < 0 { return ("compressionThreshold", "must not be negative (got \(compressionThreshold))") }
        if snapshotInterval < 0 { return ("snapshotInterval", "must not be negative (got \(snapshotInterval)); 0 disables snapshots") }
        if unreachableAfter <= heartbeatInterval {
            return ("unreachableAfter", "must be longer than heartbeatInterval (\(show(unreachableAfter)) vs \(show(heartbeatInterval)))")
        }
        if let (field, reason) = limits.validationError() { return ("limits.\(field)", reason) }
        return nil
    }

    /// Why `min...max` cannot be an election timeout, or `nil`. Takes the bounds apart, so that
    /// `min > max` is a reason rather than a trap.
    private static func electionTimeoutProblem(min: Duration, max: Duration) -> String? {
        if !isWithinBounds(min) || !isWithinBounds(max) {
            return "must be at most \(show(durationMax)) long (got \(show(min)) to \(show(max)))"
        }
        if min <= .zero { return "must be positive (got a minimum of \(show(min)))" }
        if min > max { return "min must not exceed max (got \(show(min)) to \(show(max)))" }
        if min == max {
            return "must be a range with max > min, so that timeouts are randomised and split votes resolve (got \(show(min))...\(show(max)))"
        }
        return nil
    }

    /// A duration for a message. `Duration`'s own description traps beyond `Int64.max` seconds,
    /// so a duration that long is shown as a number of seconds.
    private static func show(_ d: Duration) -> String {
        isWithinBounds(d) ? "\(d)" : "\(d / .seconds(1)) seconds"
    }

    /// Whether `d` is within ``durationMax`` either way (a negative duration is refused by each
    /// field's own check, with its value shown).
    static func isWithinBounds(_ d: Duration) -> Bool {
        d <= durationMax && d >= .zero - durationMax
    }
}
