@testable import ConsensusTesting
import Testing

/// Mutual exclusion as the holders saw it (the lesson of Kleppmann's "How to do distributed
/// locking"): a client paused past its lease still believes it holds the lock. Two beliefs with
/// different tokens must never overlap, and tokens must increase in grant order.
@Suite("Lock belief checker")
struct LockBeliefCheckerTests {
    func belief(_ holder: String, token: UInt64, _ from: Int64, _ until: Int64, lock: String = "l") -> LockBelief {
        LockBelief(lock: lock, holder: holder, token: token, from: from, until: until)
    }

    @Test("The documentation example of LockBeliefChecker is consistent")
    func documentationExample() {
        var beliefs = LockBeliefChecker()
        beliefs.record(lock: "l", holder: "a", token: 1, from: 0, until: 10)
        beliefs.record(lock: "l", holder: "b", token: 2, from: 10, until: 20)
        #expect(beliefs.check() == .consistent)
    }

    @Test("Two holders believing at once (a paused client outliving its lease) is caught, naming both")
    func overlapCaught() {
        let paused = belief("a", token: 1, 0, 30)
        let next = belief("b", token: 2, 20, 40)
        let result = LockBeliefChecker([next, paused]).check()
        #expect(result == .overlapping(paused, next))
        #expect(result.violation == "lock \"l\": \"a\" with token 1 during [0, 30) and \"b\" with token 2 during [20, 40) "
            + "overlap during [20, 30): two holders at once", "\(result)")
        #expect(!result.isConsistent)
    }

    @Test("An overlap with an earlier, longer belief is found past shorter ones in between")
    func overlapPastShorterBeliefs() {
        var beliefs = LockBeliefChecker()
        beliefs.record(lock: "l", holder: "a", token: 1, from: 0, until: 100) // a stalls for long
        beliefs.record(lock: "l", holder: "a", token: 1, from: 5, until: 10)  // its renewal
        beliefs.record(lock: "l", holder: "c", token: 3, from: 50, until: 60)
        #expect(beliefs.check() == .overlapping(belief("a", token: 1, 0, 100), belief("c", token: 3, 50, 60)))
    }

    @Test("Touching intervals do not overlap: [0, 10) then [10, 20)")
    func touchingIntervalsFine() {
        var beliefs = LockBeliefChecker()
        beliefs.record(lock: "l", holder: "a", token: 1, from: 0, until: 10)
        beliefs.record(lock: "l", holder: "b", token: 2, from: 10, until: 20)
        beliefs.record(lock: "l", holder: "a", token: 3, from: 20, until: 25)
        #expect(beliefs.check() == .consistent)
        #expect(beliefs.check().violation == nil)
    }

    @Test("The same token believed over overlapping intervals is one grant renewed: fine")
    func renewalFine() {
        let beliefs = LockBeliefChecker([
            belief("a", token: 4, 0, 10),
            belief("a", token: 4, 8, 20),   // renewed before the first lease ended
            belief("a", token: 4, 15, 30),
            belief("b", token: 5, 30, 40),
        ])
        #expect(beliefs.check() == .consistent)
    }

    @Test("Decreasing fencing tokens in grant order are caught, even without overlap")
    func decreasingTokensCaught() {
        let first = belief("a", token: 7, 0, 10)
        let second = belief("b", token: 3, 15, 25)
        let result = LockBeliefChecker([second, first]).check()
        #expect(result == .tokensOutOfOrder(earlier: first, later: second))
        #expect(result.violation?.contains("tokens must increase in grant order") == true, "\(result)")
        // A token reused by a later grant is caught too (as two holders of one token).
        let reused = LockBeliefChecker([belief("a", token: 3, 0, 10), belief("b", token: 3, 20, 30)]).check()
        #expect(reused == .tokenSharedByHolders(belief("a", token: 3, 0, 10), belief("b", token: 3, 20, 30)))
    }

    @Test("Locks are independent; beliefs covering no time are ignored")
    func locksIndependentAndEmptyIgnored() {
        let beliefs = LockBeliefChecker([
            belief("a", token: 1, 0, 10, lock: "x"),
            belief("b", token: 1, 0, 10, lock: "y"),
            belief("c", token: 9, 5, 5, lock: "x"), // learned of its grant only after its lease ended
        ])
        #expect(beliefs.check() == .consistent)
        // The first lock in name order with a violation is the one reported.
        let two = LockBeliefChecker([
            belief("a", token: 2, 0, 10, lock: "y"), belief("b", token: 1, 20, 30, lock: "y"),
            belief("a", token: 1, 0, 10, lock: "x"), belief("b", token: 2, 5, 30, lock: "x"),
        ]).check()
        #expect(two == .overlapping(belief("a", token: 1, 0, 10, lock: "x"), belief("b", token: 2, 5, 30, lock: "x")))
    }
}
