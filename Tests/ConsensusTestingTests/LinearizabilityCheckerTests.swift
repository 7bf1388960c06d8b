@testable import ConsensusTesting
import Testing

/// A completed operation: `client` invoked `action` at `from` and got `output` at `to`.
func done(_ client: Int, _ from: Int64, _ to: Int64, _ action: ModelAction, _ output: ModelOutput) -> HistoryOperation {
    HistoryOperation(client: client, invocation: from, response: to, action: action, outcome: .ok(output))
}

/// An operation that timed out: it may or may not have taken effect, at any time after `from`.
func timedOut(_ client: Int, _ from: Int64, _ action: ModelAction) -> HistoryOperation {
    HistoryOperation(client: client, invocation: from, response: .max, action: action, outcome: .unknown)
}

/// The checker passes histories that have a linearization and catches the classic anomalies
/// Jepsen looks for: stale reads, lost updates, double CAS, two lock holders, lost increments.
@Suite("Linearizability checker")
struct LinearizabilityCheckerTests {
    let checker = LinearizabilityChecker()

    /// Expects a failure on `key`, and returns its explanation.
    func expectCaught(_ history: [HistoryOperation], key: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        Self.expectCaught(by: checker, history, key: key, sourceLocation: sourceLocation)
    }

    /// Expects `checker` to find a failure on `key`, and returns its explanation.
    static func expectCaught(
        by checker: LinearizabilityChecker, _ history: [HistoryOperation], key: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        let result = checker.check(history)
        guard case .notLinearizable(let caughtKey, let explanation) = result else {
            Issue.record("expected a violation on \(key), got \(result)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(caughtKey == key, sourceLocation: sourceLocation)
        return explanation
    }

    // MARK: Linearizable histories pass

    @Test("A sequential history of puts, gets, CAS and deletes passes")
    func sequentialPasses() {
        let history = [
            done(1, 0, 1, .get(key: "x"), .value(nil)),
            done(1, 2, 3, .put(key: "x", value: "a"), .written),
            done(2, 4, 5, .get(key: "x"), .value("a")),
            done(2, 6, 7, .compareAndSwap(key: "x", expected: "a", new: "b"), .swapped(true)),
            done(1, 8, 9, .compareAndSwap(key: "x", expected: "a", new: "c"), .swapped(false)),
            done(1, 10, 11, .put(key: "x", value: "d"), .replaced(previous: "b")),
            done(3, 12, 13, .delete(key: "x"), .replaced(previous: "d")),
            done(3, 14, 15, .compareAndSwap(key: "x", expected: nil, new: "e"), .swapped(true)),
            done(2, 16, 17, .get(key: "x"), .value("e")),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Overlapping operations pass when some order explains them, even one unlike real-time starts")
    func concurrentPasses() {
        // The put of "a" starts first but may take effect after the put of "b".
        let history = [
            done(1, 0, 10, .put(key: "x", value: "a"), .written),
            done(2, 1, 4, .put(key: "x", value: "b"), .written),
            done(3, 5, 6, .get(key: "x"), .value("b")),
            done(4, 7, 9, .get(key: "x"), .value("a")),
            done(5, 11, 12, .get(key: "x"), .value("a")),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Equal times count as concurrent: a read at the instant a write returns may see either")
    func equalTimesAreConcurrent() {
        let history = [
            done(1, 0, 5, .put(key: "x", value: "a"), .written),
            done(2, 5, 6, .get(key: "x"), .value(nil)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("A timed-out write that took effect passes, even seen long after")
    func unknownThatTookEffect() {
        let history = [
            done(1, 0, 1, .put(key: "x", value: "a"), .written),
            timedOut(2, 2, .put(key: "x", value: "b")),
            done(1, 3, 4, .get(key: "x"), .value("a")),
            done(1, 50, 51, .get(key: "x"), .value("b")),
            done(3, 60, 61, .counterRead(key: "n"), .counter(0)),
            timedOut(3, 62, .counterAdd(key: "n", delta: 5)),
            done(3, 90, 91, .counterRead(key: "n"), .counter(5)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("A timed-out write that never took effect passes")
    func unknownThatDidNotTakeEffect() {
        let history = [
            timedOut(1, 0, .put(key: "x", value: "a")),
            timedOut(2, 1, .compareAndSwap(key: "x", expected: nil, new: "b")),
            timedOut(2, 2, .get(key: "x")),
            done(3, 5, 6, .get(key: "x"), .value(nil)),
            done(3, 7, 8, .put(key: "x", value: "c"), .written),
            done(3, 9, 10, .get(key: "x"), .value("c")),
            timedOut(4, 11, .counterAdd(key: "n", delta: 1)),
            done(4, 20, 21, .counterAdd(key: "n", delta: 2), .counter(2)),
            timedOut(5, 22, .lockAcquire(lock: "l", holder: "e", ttl: nil)),
            done(4, 30, 31, .lockAcquire(lock: "l", holder: "d", ttl: nil), .granted(token: 1)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Counters: adds return new values, concurrent adds commute, batches are atomic")
    func countersPass() {
        let history = [
            done(1, 0, 10, .counterAdd(key: "a", delta: 2), .counter(5)),
            done(2, 1, 9, .counterAdd(key: "a", delta: 3), .counter(3)),
            done(3, 11, 12, .counterBatch(["a": 1, "b": 10]), .counters(["a": 6, "b": 10])),
            done(4, 11, 20, .counterRead(key: "b"), .counter(10)),
            done(5, 13, 14, .counterRead(key: "a"), .counter(6)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Locks: refused while held, granted again after release with a larger token, retries idempotent")
    func locksPass() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 1)),
            done(2, 2, 3, .lockAcquire(lock: "l", holder: "b", ttl: nil), .refused),
            done(1, 4, 5, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 1)),
            done(2, 4, 6, .lockRelease(lock: "l", holder: "b", token: 1), .released(false)),
            done(1, 7, 8, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(2, 9, 10, .lockAcquire(lock: "l", holder: "b", ttl: nil), .granted(token: 2)),
            // A grant with an unknown outcome, then seen through the refusal of another client.
            done(2, 11, 12, .lockRelease(lock: "l", holder: "b", token: 2), .released(true)),
            timedOut(3, 13, .lockAcquire(lock: "l", holder: "c", ttl: nil)),
            done(1, 20, 21, .lockAcquire(lock: "l", holder: "a", ttl: nil), .refused),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Locks with a ttl: once the grant has lapsed in logical time, another holder gets it")
    func lockExpiryPasses() {
        let history = [
            done(1, 0, 2, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 5, 6, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
            done(2, 12, 13, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
            // The expired holder may still release nothing: b holds the latest grant.
            done(1, 14, 15, .lockRelease(lock: "l", holder: "a", token: 1), .released(false)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("A timed-out acquire near a lapse may have been refused or granted: the search tries both")
    func unknownAcquireBothWays() {
        // "c" can only hold the lock at 30 if its timed-out acquire came after "a"'s grant lapsed;
        // the search first tries it as a refusal (a's grant still live at 5), then as a grant.
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            timedOut(3, 5, .lockAcquire(lock: "l", holder: "c", ttl: nil)),
            done(2, 30, 31, .lockAcquire(lock: "l", holder: "b", ttl: nil), .refused),
            done(3, 32, 33, .lockRelease(lock: "l", holder: "c", token: 2), .released(true)),
        ]
        #expect(checker.check(history) == .linearizable)
        // Without the timed-out acquire, nobody holds the lock at 30.
        _ = expectCaught(history.enumerated().filter { $0.offset != 1 }.map(\.element), key: "l")
    }

    @Test("A holder whose grant lapsed can still release it if nobody took the lock since")
    func releaseAfterLapse() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 5), .granted(token: 1)),
            done(1, 20, 21, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(2, 22, 23, .lockAcquire(lock: "l", holder: "b", ttl: 5), .granted(token: 2)),
        ]
        #expect(checker.check(history) == .linearizable)
    }

    @Test("Keys are checked independently and the failing one is named")
    func perKeySplit() {
        var history: [HistoryOperation] = []
        for key in ["a", "b", "c"] {
            history.append(done(1, 0, 1, .put(key: key, value: "1"), .written))
            history.append(done(2, 2, 3, .get(key: key), .value("1")))
        }
        #expect(checker.check(history) == .linearizable)
        history.append(done(3, 4, 5, .get(key: "b"), .value("2")))
        _ = expectCaught(history, key: "b")
    }

    // MARK: Anomalies are caught

    @Test("Stale read: a read after an acknowledged write returns the older value")
    func staleReadCaught() {
        let history = [
            done(1, 0, 1, .put(key: "x", value: "a"), .written),
            done(1, 2, 3, .put(key: "x", value: "b"), .written),
            done(2, 4, 5, .get(key: "x"), .value("a")),
        ]
        let explanation = expectCaught(history, key: "x")
        #expect(explanation.contains("get(\"x\") -> \"a\": the register holds \"b\""), "\(explanation)")
    }

    @Test("Lost update: an acknowledged write vanishes under a later one")
    func lostUpdateCaught() {
        let history = [
            done(1, 0, 1, .put(key: "x", value: "a"), .written),
            done(2, 2, 3, .put(key: "x", value: "b"), .replaced(previous: nil)),
            done(3, 4, 5, .get(key: "x"), .value("b")),
        ]
        _ = expectCaught(history, key: "x")
        // The same loss seen by a read: the acknowledged write is gone.
        let readLoss = [
            done(1, 0, 1, .put(key: "y", value: "a"), .written),
            done(2, 2, 3, .get(key: "y"), .value(nil)),
        ]
        _ = expectCaught(readLoss, key: "y")
    }

    @Test("Double CAS success: two CAS from the same expected value both succeed")
    func doubleCASCaught() {
        let history = [
            done(1, 0, 1, .put(key: "x", value: "0"), .written),
            done(2, 2, 10, .compareAndSwap(key: "x", expected: "0", new: "1"), .swapped(true)),
            done(3, 3, 9, .compareAndSwap(key: "x", expected: "0", new: "2"), .swapped(true)),
        ]
        let explanation = expectCaught(history, key: "x")
        #expect(explanation.contains("not swapped") == false)
        #expect(explanation.contains("cas(\"x\""), "\(explanation)")
    }

    @Test("Two lock holders: overlapping grants to different holders")
    func twoLockHoldersCaught() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 1)),
            done(2, 2, 3, .lockAcquire(lock: "l", holder: "b", ttl: nil), .granted(token: 2)),
        ]
        let explanation = expectCaught(history, key: "l")
        #expect(explanation.contains("held by \"a\""), "\(explanation)")
        // With a ttl, a second grant before the first can have lapsed is caught as well.
        let early = [
            done(1, 0, 1, .lockAcquire(lock: "m", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 5, 9, .lockAcquire(lock: "m", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        _ = expectCaught(early, key: "m")
    }

    @Test("Fencing tokens that do not increase are caught")
    func nonIncreasingTokensCaught() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 5)),
            done(1, 2, 3, .lockRelease(lock: "l", holder: "a", token: 5), .released(true)),
            done(2, 4, 5, .lockAcquire(lock: "l", holder: "b", ttl: nil), .granted(token: 5)),
        ]
        let explanation = expectCaught(history, key: "l")
        #expect(explanation.contains("token above 5"), "\(explanation)")
        // After a lapse too.
        let lapsed = [
            done(1, 0, 1, .lockAcquire(lock: "m", holder: "a", ttl: 3), .granted(token: 2)),
            done(2, 10, 11, .lockAcquire(lock: "m", holder: "b", ttl: 3), .granted(token: 1)),
        ]
        _ = expectCaught(lapsed, key: "m")
    }

    @Test("A refusal while the lock is free is caught")
    func refusalWhileFreeCaught() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 1)),
            done(1, 2, 3, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(2, 4, 5, .lockAcquire(lock: "l", holder: "b", ttl: nil), .refused),
        ]
        _ = expectCaught(history, key: "l")
    }

    @Test("Lost counter increment: two acknowledged adds, a read that sees one")
    func lostIncrementCaught() {
        let history = [
            done(1, 0, 5, .counterAdd(key: "n", delta: 1), .written),
            done(2, 1, 4, .counterAdd(key: "n", delta: 1), .written),
            done(3, 6, 7, .counterRead(key: "n"), .counter(1)),
        ]
        let explanation = expectCaught(history, key: "n")
        #expect(explanation.contains("the counter is 2"), "\(explanation)")
    }

    @Test("A counter batch seen half applied is caught")
    func tornBatchCaught() {
        let history = [
            done(1, 0, 1, .counterBatch(["a": 1, "b": 1]), .written),
            done(2, 2, 3, .counterRead(key: "a"), .counter(1)),
            done(2, 4, 5, .counterRead(key: "b"), .counter(0)),
        ]
        _ = expectCaught(history, key: "a, b")
    }

    @Test("A search that runs out of budget is reported as exhausted, never as a pass")
    func budgetExhaustionFails() {
        // Thirty overlapping writes and a read of a value nobody wrote: every subset is a state.
        var history = (0..<30).map { i in
            done(i, Int64(i), 100, .put(key: "x", value: String(i)), .written)
        }
        history.append(done(99, 101, 102, .get(key: "x"), .value("never written")))
        let result = LinearizabilityChecker(stateBudgetPerKey: 1_000).check(history)
        guard case .budgetExhausted(let key, let explored) = result else {
            Issue.record("expected an exhausted budget, got \(result)")
            return
        }
        #expect(key == "x")
        #expect(explored > 1_000)
        #expect(!result.isLinearizable)
        #expect(result.description.contains("failure"))
    }

    /// Thirty adds cut off by a killed leader (unknown outcomes, one action), some applied, amid
    /// acknowledged adds: the node-process history test's "hits" counter. Which of the thirty were
    /// applied must not matter to the search, only how many.
    static func counterHistoryWithUnknownAdds(finalRead: Int64? = nil) -> [HistoryOperation] {
        var history: [HistoryOperation] = []
        var value: Int64 = 0
        for i in 0..<90 {
            let point = Int64(10 * i)
            if (20..<50).contains(i) {
                history.append(timedOut(i % 3, point - 3, .counterAdd(key: "hits", delta: 1)))
                if i % 3 == 0 { value += 1 }
            } else {
                value += 1
                history.append(done(i % 3, point - 5, point + 5, .counterAdd(key: "hits", delta: 1), .counter(value)))
            }
        }
        if let finalRead { history.append(done(9, 1_000, 1_001, .counterRead(key: "hits"), .counter(finalRead))) }
        return history
    }

    @Test("Thirty adds with unknown outcomes and the same action are searched as interchangeable: a few thousand states, not 2^30")
    func interchangeableUnknownAdds() {
        let (result, explored) = LinearizabilityChecker(stateBudgetPerKey: 100_000)
            .checkMeasuring(Self.counterHistoryWithUnknownAdds(finalRead: 70))
        #expect(result == .linearizable, "\(result)")
        #expect(explored < 20_000, "explored \(explored) states")
        // 60 acknowledged adds and 10 applied of the 30 unknown: a read of 91 needs 31 of them.
        let impossible = LinearizabilityChecker(stateBudgetPerKey: 100_000)
            .check(Self.counterHistoryWithUnknownAdds(finalRead: 91))
        guard case .notLinearizable(let key, _) = impossible else {
            Issue.record("expected a violation, got \(impossible)")
            return
        }
        #expect(key == "hits")
    }

    @Test("The explanation lists what was ordered and why nothing fits next")
    func explanationIsReadable() {
        let history = [
            done(1, 0, 1, .put(key: "x", value: "a"), .written),
            done(2, 2, 3, .get(key: "x"), .value("z")),
        ]
        let explanation = expectCaught(history, key: "x")
        #expect(explanation.contains("#0 client 1 [0, 1] put(\"x\", \"a\") -> ok"), "\(explanation)")
        #expect(explanation.contains("#1 client 2 [2, 3] get(\"x\") -> \"z\": the register holds \"a\""), "\(explanation)")
    }

    @Test("ClientHistory records invocations, answers and timeouts")
    func clientHistoryBuilder() {
        var history = ClientHistory()
        let put = history.invoke(client: 1, .put(key: "x", value: "1"), at: 0)
        let lost = history.invoke(client: 2, .put(key: "x", value: "2"), at: 1)
        history.complete(put, .written, at: 3)
        history.timeOut(lost)
        let read = history.invoke(client: 1, .get(key: "x"), at: 4)
        history.complete(read, .value("2"), at: 5)
        #expect(history.operations[lost].outcome == .unknown)
        #expect(checker.check(history.operations) == .linearizable)
    }
}
