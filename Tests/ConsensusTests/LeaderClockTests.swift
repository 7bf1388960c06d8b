import Testing

@testable import Consensus

/// The store's time as a leader stamps it: counted in the leader's own ticks from the applied
/// store's clock, never read from a wall clock (see `LeaderClock`'s safety argument).
@Suite("LeaderClock: store time in the leader's ticks")
struct LeaderClockTests {
    /// A clock that took office at `storeClock` and has counted `ticks` ticks (the first tick
    /// after taking office is not counted, so this ticks once more).
    static func leading(from storeClock: Int64, millisecondsPerTick: Int64 = 10, ticks: Int) -> LeaderClock {
        var clock = LeaderClock(millisecondsPerTick: millisecondsPerTick)
        clock.lead(from: storeClock)
        for _ in 0...ticks { clock.tick() }
        return clock
    }

    @Test("Taking office starts the count from the applied store's clock, not from 0 or a wall clock")
    func startsFromTheStoreClockOnTakingOffice() {
        var clock = LeaderClock(millisecondsPerTick: 10)
        #expect(!clock.isLeading)
        clock.lead(from: 42_000)
        #expect(clock.isLeading)
        #expect(clock.now == 42_000)
    }

    @Test("The first tick after taking office is not counted: it may come at once, and counting it could run ahead of real time")
    func theTickInProgressWhenTakingOfficeIsNotCounted() {
        var clock = LeaderClock(millisecondsPerTick: 10)
        clock.lead(from: 1_000)
        clock.tick()
        #expect(clock.now == 1_000)
        clock.tick()
        #expect(clock.now == 1_010)
        clock.tick()
        #expect(clock.now == 1_020)
    }

    @Test("Ticks count only while leading: a follower's ticks and the ticks between terms add nothing")
    func ticksCountOnlyWhileLeading() {
        var clock = LeaderClock(millisecondsPerTick: 10)
        for _ in 0..<100 { clock.tick() }   // a follower
        clock.lead(from: 500)
        #expect(clock.now == 500)
        for _ in 0...3 { clock.tick() }
        #expect(clock.now == 530)

        clock.follow()
        #expect(!clock.isLeading)
        for _ in 0..<100 { clock.tick() }   // not leading: nothing counted
        clock.lead(from: 530)
        #expect(clock.now == 530)
    }

    @Test("Taking office again restarts from the applied store clock, dropping this member's own stamps of an earlier term (they may never have committed)")
    func leadingAgainForgetsTheEarlierTermsCount() {
        var clock = Self.leading(from: 1_000, ticks: 50)
        #expect(clock.now == 1_500)
        clock.follow()
        // Only 1,200 of this member's stamps committed; the next term counts from there.
        clock.lead(from: 1_200)
        #expect(clock.now == 1_200)
    }

    @Test("applied(storeClock:) moves the count forward to a later store clock (an earlier leader's entries committing under this one)")
    func appliedMovesTheCountForward() {
        var clock = Self.leading(from: 1_000, ticks: 5)
        #expect(clock.now == 1_050)
        clock.applied(storeClock: 2_000)
        #expect(clock.now == 2_000)
        clock.tick()   // the count restarted between two ticks: that tick is not counted
        #expect(clock.now == 2_000)
        clock.tick()
        #expect(clock.now == 2_010)
    }

    @Test("applied(storeClock:) never moves the count back, and does nothing on a follower")
    func appliedNeverMovesTheCountBack() {
        var clock = Self.leading(from: 1_000, ticks: 5)
        clock.applied(storeClock: 900)
        #expect(clock.now == 1_050)
        clock.applied(storeClock: 1_050)
        #expect(clock.now == 1_050)
        clock.tick()   // equal is not ahead: the count went on, this tick counts
        #expect(clock.now == 1_060)

        var follower = LeaderClock(millisecondsPerTick: 10)
        follower.applied(storeClock: 5_000)
        #expect(!follower.isLeading)
        follower.lead(from: 100)
        #expect(follower.now == 100)
    }

    @Test("The runtime credits the whole milliseconds that really passed, rounded down, at most one second per tick")
    func runtimeCreditRoundsDownAndCaps() {
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .zero) == (0, false))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .microseconds(999)) == (0, false))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .microseconds(5_999)) == (5, false))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .milliseconds(1_000)) == (1_000, false))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .milliseconds(1_001)) == (1_000, true))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .seconds(3_600)) == (1_000, true))
        #expect(NodeStateMachine.leaderClockCredit(elapsed: .milliseconds(-5)) == (0, false))
    }

    @Test("Duration.wholeMilliseconds rounds toward zero and saturates")
    func wholeMilliseconds() {
        #expect(Duration.microseconds(5_999).wholeMilliseconds == 5)
        #expect(Duration.microseconds(-5_999).wholeMilliseconds == -5)
        #expect(Duration.seconds(3).wholeMilliseconds == 3_000)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeMilliseconds == .min)
    }

    @Test("tick(times:) adds that many ticks, skipping the first after a (re)start like tick()")
    func tickTimes() {
        var clock = LeaderClock(millisecondsPerTick: 1)
        clock.lead(from: 100)
        clock.tick(times: 10)
        #expect(clock.now == 109)
        clock.tick(times: 5)
        #expect(clock.now == 114)
        let restarted = clock.applied(storeClock: 200)
        let notAgain = clock.applied(storeClock: 150)
        #expect(restarted && !notAgain)
        clock.tick(times: 1)
        #expect(clock.now == 200)
        clock.tick(times: .max)
        #expect(clock.now == .max)
    }

    @Test("millisecondsPerTick is at least 1")
    func millisecondsPerTickIsAtLeastOne() {
        #expect(LeaderClock(millisecondsPerTick: 0).millisecondsPerTick == 1)
        #expect(LeaderClock(millisecondsPerTick: -5).millisecondsPerTick == 1)
        #expect(LeaderClock(millisecondsPerTick: 7).millisecondsPerTick == 7)
    }

    @Test("Overflow saturates at Int64.max instead of trapping or wrapping to a time in the past")
    func overflowSaturates() {
        var nearTheEnd = Self.leading(from: .max - 15, ticks: 1)
        #expect(nearTheEnd.now == .max - 5)
        nearTheEnd.tick()
        #expect(nearTheEnd.now == .max)
        nearTheEnd.tick()
        #expect(nearTheEnd.now == .max)

        // A huge tick length overflows the product, not only the sum.
        let huge = Self.leading(from: 0, millisecondsPerTick: .max / 2, ticks: 3)
        #expect(huge.now == .max)
    }
}
