/// The store's clock as a leader stamps it on the commands it proposes (``Command/time``).
///
/// Lock expiry is judged against this time, so it must never run faster than real time, or a
/// grant would lapse before its holder's TTL is over and a second holder could be let in. A
/// member's wall clock can step forward or back at any moment (NTP, `date -s`, a VM migration),
/// so it is **not** used. Instead a leader counts its own ticks:
///
/// - when it takes office it starts from the latest stamp in its log: its applied store's clock,
///   or a later stamp among the entries it has not applied yet (``latestStamp(in:)``). Every
///   entry in a new leader's log was stamped before it took office. (Its own stamps of an
///   earlier term that a later leader overwrote are gone from its log by then: they are never
///   a starting point.) Starting any lower would make its first stamps older than entries still
///   to be applied, and its fresh lock requests would look stale;
/// - each tick adds ``millisecondsPerTick``. The simulator ticks once per virtual tick. The
///   runtime measures, on a monotonic clock (never the wall clock), the whole milliseconds that
///   passed since it last credited the clock and credits those, at most one second per runtime
///   tick; so store time keeps pace with real time even when ticks come late on a loaded machine,
///   never runs ahead of it, and a monotonic clock that jumped (a suspended VM) can move it by
///   one second at most;
/// - the first tick after the count starts is not counted (in the runtime, where a tick is one
///   measured millisecond, that drops one millisecond): the count starts between two ticks, so
///   that tick may come at once, and counting it could put the clock up to one tick ahead of
///   real time (on every leader change). From the second tick on, every counted tick closes an
///   interval that lies wholly after the start;
/// - if the store's clock, as applied, ever gets ahead of the count, the count restarts from it
///   (and again skips one tick). Starting from the latest stamp in the log makes that impossible
///   today; it stays as a guard should a leader ever start lower.
///
/// Between leaders the store's time stands still; the store keeps its clock monotonic along the
/// log (``KeyValueStore/clock`` is the largest stamp applied), so a new leader that starts from an
/// older value only makes time stand still a little longer.
///
/// The argument that a grant lasts at least its TTL of real time: a grant applied at store time
/// `c` lapses when an entry stamped at least `c + ttl` is applied. Every stamp is a stamp from the
/// stamping leader's log (its starting point), plus the ticks it counted since; that starting
/// stamp was made no later, in real time, than the moment the leader started counting from it,
/// and everything before it in the log was made earlier still. So along the log, store time
/// never gains on real time, and `c + ttl` is stamped at least `ttl` after the grant was.
public struct LeaderClock: Sendable, Hashable {
    /// How much store time one tick adds (the runtime's tick interval).
    public let millisecondsPerTick: Int64
    /// Whether this member counts ticks (it leads).
    public private(set) var isLeading = false
    private var base: Int64 = 0
    private var ticks: Int64 = 0
    /// Set when the count (re)starts: the next tick closes an interval that began before it.
    private var startedBetweenTicks = false

    /// A clock that is not counting yet.
    /// - Parameter millisecondsPerTick: store time per tick (at least 1). It must not exceed the
    ///   real time between two ticks (round down), or the clock runs fast and grants lapse early.
    public init(millisecondsPerTick: Int64) {
        self.millisecondsPerTick = max(1, millisecondsPerTick)
    }

    /// The time to stamp on a command proposed now (meaningful only while ``isLeading``).
    public var now: Int64 {
        let (elapsed, o1) = ticks.multipliedReportingOverflow(by: millisecondsPerTick)
        let (sum, o2) = base.addingReportingOverflow(elapsed)
        return o1 || o2 ? .max : sum
    }

    /// Starts counting from `storeClock` on taking office: the latest stamp this member knows,
    /// its applied store's clock or a later one in its log (see ``latestStamp(in:)``).
    public mutating func lead(from storeClock: Int64) {
        isLeading = true
        restart(from: storeClock)
    }

    /// Stops counting (this member no longer leads).
    public mutating func follow() {
        isLeading = false
    }

    /// One tick passed (at least ``millisecondsPerTick`` of real time since the previous one).
    /// Counted only while leading, and not the first one after the count (re)starts.
    public mutating func tick() {
        tick(times: 1)
    }

    /// `count` ticks passed at once (a runtime that measures the real time between its ticks
    /// credits the whole units that passed). The first one after the count (re)starts is not
    /// counted, as with ``tick()``.
    public mutating func tick(times count: Int64) {
        guard isLeading, count > 0 else { return }
        var n = count
        if startedBetweenTicks {
            startedBetweenTicks = false
            n -= 1
        }
        let (sum, overflow) = ticks.addingReportingOverflow(n)
        ticks = overflow ? .max : sum
    }

    /// The applied store's clock is now `storeClock`: if that is ahead of the count, count on
    /// from it (as if taking office again now).
    /// - Returns: whether the count restarted (a runtime measuring real time between ticks
    ///   measures from now on).
    @discardableResult
    public mutating func applied(storeClock: Int64) -> Bool {
        guard isLeading && storeClock > now else { return false }
        restart(from: storeClock)
        return true
    }

    private mutating func restart(from storeClock: Int64) {
        base = storeClock
        ticks = 0
        startedBetweenTicks = true
    }
}
