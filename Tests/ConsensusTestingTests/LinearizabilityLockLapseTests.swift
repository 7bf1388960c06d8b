import ConsensusCore
@testable import ConsensusTesting
import Testing

/// `LinearizabilityChecker(lockLapse: .notBefore)`: a store whose time is counted in the leader's
/// ticks and stands still between leaders lets a lock grant outlive its ttl, never fall short of
/// it. Refusals after the exact lapse are then explained; early second holders and tokens that do
/// not increase are still caught.
@Suite("Linearizability checker, lock grants that may outlive their ttl")
struct LinearizabilityLockLapseTests {
    let exact = LinearizabilityChecker()
    let notBefore = LinearizabilityChecker(lockLapse: .notBefore)

    /// Expects a violation on `key` from `checker`, and returns its explanation.
    func expectCaught(
        _ checker: LinearizabilityChecker, _ history: [HistoryOperation], key: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        LinearizabilityCheckerTests.expectCaught(by: checker, history, key: key, sourceLocation: sourceLocation)
    }

    @Test("The default is the exact lapse")
    func defaultIsExact() {
        #expect(LinearizabilityChecker().lockLapse == .exact)
    }

    @Test("Leader change stalls the store clock: a refusal after the exact lapse is explained only under notBefore")
    func refusalAfterExactLapse() {
        // a's grant (ttl 10) lapses by 12 at the latest in exact time; the store's clock stood
        // still through an election, so b is still refused at 20 and only granted at 40.
        let history = [
            done(1, 0, 2, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 20, 21, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
            done(1, 25, 26, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 40, 41, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        let explanation = expectCaught(exact, history, key: "l")
        #expect(explanation.contains("refused"), "\(explanation)")
        #expect(notBefore.check(history) == .linearizable)
    }

    @Test("A second holder granted before the first grant's point plus ttl is still caught under notBefore")
    func earlySecondHolderCaught() {
        // a's grant took effect at 0 at the earliest, so it cannot lapse before 10; b's grant
        // returned at 9.
        let early = [
            done(1, 0, 2, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 5, 9, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        let explanation = expectCaught(notBefore, early, key: "l")
        #expect(explanation.contains("held by \"a\" with token 1, lapsing no earlier than 10"), "\(explanation)")
        // At the boundary (point 0 + ttl 10 = b's response 10) the lapse is possible.
        let boundary = [
            done(1, 0, 2, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 5, 10, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        #expect(notBefore.check(boundary) == .linearizable)
        // Without a ttl the grant never lapses, in either mode.
        let forever = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: nil), .granted(token: 1)),
            done(2, 100, 101, .lockAcquire(lock: "l", holder: "b", ttl: nil), .granted(token: 2)),
        ]
        _ = expectCaught(notBefore, forever, key: "l")
    }

    @Test("A refusal after the second grant's lapse needs its own point plus ttl only as a lower bound")
    func secondGrantAlsoMayOutliveTtl() {
        // b is granted at 30 with ttl 5; c is refused long after, at 100: still explained.
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 30, 31, .lockAcquire(lock: "l", holder: "b", ttl: 5), .granted(token: 2)),
            done(3, 100, 101, .lockAcquire(lock: "l", holder: "c", ttl: 5), .refused),
            done(3, 110, 111, .lockAcquire(lock: "l", holder: "c", ttl: 5), .granted(token: 3)),
        ]
        _ = expectCaught(exact, history, key: "l")
        #expect(notBefore.check(history) == .linearizable)
    }

    @Test("Fencing tokens that do not increase are still caught under notBefore")
    func nonIncreasingTokensCaught() {
        let afterLapse = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 3), .granted(token: 2)),
            done(2, 10, 11, .lockAcquire(lock: "l", holder: "b", ttl: 3), .granted(token: 1)),
        ]
        let explanation = expectCaught(notBefore, afterLapse, key: "l")
        #expect(explanation.contains("token above 2"), "\(explanation)")
        let afterRelease = [
            done(1, 0, 1, .lockAcquire(lock: "m", holder: "a", ttl: 3), .granted(token: 5)),
            done(1, 2, 3, .lockRelease(lock: "m", holder: "a", token: 5), .released(true)),
            done(2, 4, 5, .lockAcquire(lock: "m", holder: "b", ttl: 3), .granted(token: 5)),
        ]
        _ = expectCaught(notBefore, afterRelease, key: "m")
    }

    @Test("A refusal while the lock is free is still caught under notBefore")
    func refusalWhileFreeCaught() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 2, 3, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(2, 50, 51, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
        ]
        _ = expectCaught(notBefore, history, key: "l")
    }

    @Test("Every history that passes with the exact lapse passes with notBefore (50 generated seeds)")
    func exactPassImpliesNotBeforePass() {
        let exact = LinearizabilityChecker(stateBudgetPerKey: 100_000)
        let notBefore = LinearizabilityChecker(stateBudgetPerKey: 100_000, lockLapse: .notBefore)
        for seed in LinearizabilityRandomTests.seeds(50) {
            let history = LinearizabilityRandomTests.generate(seed: seed)
            #expect(exact.check(history) == .linearizable, "seed \(seed)")
            #expect(notBefore.check(history) == .linearizable, "seed \(seed); replay with CONSENSUS_SEED=\(seed)")
        }
    }

    /// Lock operations executed against the reference store whose clock advances with the
    /// history's time only while a leader is up, and stands still otherwise (so it never runs
    /// ahead). Each operation takes effect at its own point inside its window.
    static func generateWithStallingClock(seed: UInt64, operationCount: Int = 120, clientCount: Int = 4) -> [HistoryOperation] {
        var random = SplitMix64(seed: seed)
        var store = LinearizabilityRandomTests.ReferenceStore()
        var history: [HistoryOperation] = []
        var freeAt = Array(repeating: Int64(0), count: clientCount)
        var tokens: [String: UInt64] = [:]
        let locks = ["l0", "l1"]
        var storeTime: Int64 = 0
        var slot = 0
        while history.count < operationCount {
            slot += 1
            if random.chance(0.6) { storeTime += 10 } // a leader is up for this slot
            let point = Int64(slot * 10)
            let free = (0..<clientCount).filter { freeAt[$0] <= point }
            guard !free.isEmpty else { continue }
            let client = random.pick(free)
            let holder = "client\(client)"
            let lock = random.pick(locks)
            let token = tokens["\(lock)/\(holder)"] ?? 1
            let action: ModelAction = random.chance(0.7)
                ? .lockAcquire(lock: lock, holder: holder, ttl: Int64(random.int(in: 10...40)))
                : random.chance(0.5) ? .lockRenew(lock: lock, holder: holder, token: token, ttl: Int64(random.int(in: 5...40)))
                : .lockRelease(lock: lock, holder: holder, token: token)
            let invocation = max(freeAt[client], point - Int64(random.int(in: 0...15)))
            let response = point + Int64(random.int(in: 0...15))
            if random.chance(0.1) {
                if random.chance(0.5) { _ = store.apply(action, at: storeTime) }
                history.append(HistoryOperation(client: client, invocation: invocation, response: .max, action: action, outcome: .unknown))
                freeAt[client] = response + 20
            } else {
                let output = store.apply(action, at: storeTime)
                if case .granted(let token) = output { tokens["\(lock)/\(holder)"] = token }
                history.append(HistoryOperation(client: client, invocation: invocation, response: response, action: action, outcome: .ok(output)))
                freeAt[client] = response + 1
            }
        }
        return history
    }

    @Test("Lock histories from a store clock that stalls between leaders pass under notBefore (100 seeds)")
    func stallingClockPasses() {
        let exact = LinearizabilityChecker(stateBudgetPerKey: 100_000)
        let notBefore = LinearizabilityChecker(stateBudgetPerKey: 100_000, lockLapse: .notBefore)
        var caughtByExact = 0
        for seed in LinearizabilityRandomTests.seeds(100) {
            let history = Self.generateWithStallingClock(seed: seed)
            let result = notBefore.check(history)
            #expect(result == .linearizable, "seed \(seed): \(result); replay with CONSENSUS_SEED=\(seed)")
            if !exact.check(history).isLinearizable { caughtByExact += 1 }
        }
        // The generator does exercise the difference: the exact lapse rejects some of these.
        if LinearizabilityRandomTests.seeds(100).count > 1 { #expect(caughtByExact > 0) }
    }
}

extension LinearizabilityLockLapseTests {
    /// A store whose clock can go back (a leader's wall clock) may apply a request after its own
    /// ttl and refuse it as stale while the lock is free; the runtime's store clock cannot, so
    /// there the same refusal is a bug.
    @Test("A refusal while free, of a request whose window spans its ttl: explained only if the clock may go back")
    func staleRefusalOnlyWhenTheClockMayGoBack() {
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 2, 3, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(2, 10, 40, .lockAcquire(lock: "l", holder: "b", ttl: 20), .refused),
        ]
        _ = expectCaught(notBefore, history, key: "l")
        #expect(LinearizabilityChecker(lockLapse: .clockMayGoBack).check(history) == .linearizable)
        // A window shorter than the ttl cannot be stale: caught either way.
        var short = history
        short[2] = done(2, 10, 25, .lockAcquire(lock: "l", holder: "b", ttl: 20), .refused)
        _ = expectCaught(LinearizabilityChecker(lockLapse: .clockMayGoBack), short, key: "l")
    }
}
