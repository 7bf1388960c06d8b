@testable import ConsensusTesting
import Testing

/// Lock renewals in the checked history: a renewal is granted only while the renewer's grant may
/// be live, and extends it without ever shortening it (as the runtime's store does: see
/// `KeyValueStore.renewLock`); a refusal needs a grant that is not the renewer's, or may have lapsed.
@Suite("Linearizability checker, lock renewals")
struct LinearizabilityLockRenewalTests {
    let exact = LinearizabilityChecker()
    let notBefore = LinearizabilityChecker(lockLapse: .notBefore)

    @Test("A renewal extends the grant: another holder is refused past the first ttl, granted after the renewed one")
    func renewalExtends() {
        // a's grant at [0, 1] lapses by 11 at the latest; renewed at [8, 9] for 10, it lasts
        // until 18 at least.
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 8, 9, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .granted(token: 1)),
            done(2, 15, 16, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
            done(2, 20, 21, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        #expect(exact.check(history) == .linearizable)
        #expect(notBefore.check(history) == .linearizable)
        // Without the renewal, the refusal at 15 is a violation under the exact lapse.
        _ = LinearizabilityCheckerTests.expectCaught(by: exact, [history[0], history[2], history[3]], key: "l")
    }

    @Test("A renewal never shortens a grant: a short renewal keeps the longer lapse")
    func renewalNeverShortens() {
        // a's grant at [0, 1] lasts until 100 at least; a renewal for 5 at [10, 11] does not
        // bring that back to 16: b is still refused at 50.
        let history = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 100), .granted(token: 1)),
            done(1, 10, 11, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 5), .granted(token: 1)),
            done(2, 50, 51, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
        ]
        #expect(exact.check(history) == .linearizable)
        // And b cannot get the lock before the longer lapse.
        let early = [history[0], history[1], done(2, 50, 51, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2))]
        _ = LinearizabilityCheckerTests.expectCaught(by: exact, early, key: "l")
        _ = LinearizabilityCheckerTests.expectCaught(by: notBefore, early, key: "l")
    }

    @Test("A renewal granted after someone else took the lock, or with the wrong token, is caught")
    func renewalOfALostGrantCaught() {
        let afterTakeover = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(2, 20, 21, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
            done(1, 22, 23, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .granted(token: 1)),
        ]
        _ = LinearizabilityCheckerTests.expectCaught(by: notBefore, afterTakeover, key: "l")
        let wrongToken = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 2, 3, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .granted(token: 2)),
        ]
        _ = LinearizabilityCheckerTests.expectCaught(by: notBefore, wrongToken, key: "l")
        let afterRelease = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 2, 3, .lockRelease(lock: "l", holder: "a", token: 1), .released(true)),
            done(1, 4, 5, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .granted(token: 1)),
        ]
        _ = LinearizabilityCheckerTests.expectCaught(by: notBefore, afterRelease, key: "l")
    }

    @Test("A renewal refused while the grant is surely live is caught; once it may have lapsed, explained")
    func refusedRenewal() {
        let live = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 3, 4, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .refused),
        ]
        let explanation = LinearizabilityCheckerTests.expectCaught(by: notBefore, live, key: "l")
        #expect(explanation.contains("renew(\"l\", holder: \"a\", token: 1, ttl: 10)"), "\(explanation)")
        let mayHaveLapsed = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            done(1, 9, 12, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10), .refused),
        ]
        #expect(notBefore.check(mayHaveLapsed) == .linearizable)
        #expect(exact.check(mayHaveLapsed) == .linearizable)
    }

    @Test("A renewal with an unknown outcome may have extended the grant, or not")
    func unknownRenewal() {
        let extended = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            timedOut(1, 5, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10)),
            done(2, 13, 14, .lockAcquire(lock: "l", holder: "b", ttl: 10), .refused),
        ]
        #expect(exact.check(extended) == .linearizable)
        let notExtended = [
            done(1, 0, 1, .lockAcquire(lock: "l", holder: "a", ttl: 10), .granted(token: 1)),
            timedOut(1, 5, .lockRenew(lock: "l", holder: "a", token: 1, ttl: 10)),
            done(2, 12, 13, .lockAcquire(lock: "l", holder: "b", ttl: 10), .granted(token: 2)),
        ]
        #expect(exact.check(notExtended) == .linearizable)
    }
}
