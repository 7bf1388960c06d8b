import Testing

@testable import Consensus

/// Drives a store the way the runtime does: one command per log index, with a leader time.
struct StoreDriver {
    var store = KeyValueStore()
    private var sequence: UInt64 = 0

    /// Applies `operation` at the next index, stamped with `time` (default: the store's clock).
    @discardableResult
    mutating func apply(_ operation: StoreOperation, time: Int64? = nil) -> (result: OperationResult, changes: [KeyValueStore.Change]) {
        sequence += 1
        let command = Command(id: ProposalID(node: 1, sequence: sequence), time: time ?? store.clock, operation: operation)
        return store.apply(command, at: store.appliedIndex + 1)
    }

    /// The result of acquiring a lock, as a grant (nil if refused).
    mutating func acquire(_ name: String, _ holder: String, ttl: Int64, time: Int64? = nil) -> LockGrant? {
        guard case .lock(let grant) = apply(.lockAcquire(name: name, holder: holder, ttlMilliseconds: ttl), time: time).result else {
            Issue.record("acquire did not return a lock result")
            return nil
        }
        return grant
    }
}

@Suite("KeyValueStore: put, delete, revisions")
struct KeyValueStoreBasicTests {
    @Test func putStoresTheValueAtTheEntryIndexAndReturnsThePrevious() {
        var driver = StoreDriver()
        let first = driver.apply(.put(key: "config", value: ["maxPlayers": 10]))
        #expect(first.result == .put(previous: nil))
        #expect(first.changes == [KeyValueStore.Change(key: "config", old: nil, new: ["maxPlayers": 10])])
        #expect(driver.store.get("config") == KeyValueStore.Versioned(value: ["maxPlayers": 10], revision: 1))

        let second = driver.apply(.put(key: "config", value: "v2"))
        #expect(second.result == .put(previous: ["maxPlayers": 10]))
        #expect(second.result.succeeded)
        #expect(driver.store.get("config")?.revision == 2)
        #expect(driver.store.appliedIndex == 2)
    }

    @Test func theDocumentationExampleOfKeyValueStoreRuns() {
        var store = KeyValueStore()
        let command = Command(id: ProposalID(node: 1, sequence: 1), time: 1_000,
                              operation: .put(key: "config", value: ["maxPlayers": 10]))
        let (result, changes) = store.apply(command, at: 1)
        #expect(store.get("config")?.revision == 1)
        #expect(result == .put(previous: nil))
        #expect(changes.map(\.key) == ["config"])
    }

    @Test func everyWriteSetsTheRevisionToItsIndexAndOtherKeysKeepTheirs() {
        var driver = StoreDriver()
        driver.apply(.put(key: "a", value: 1))
        driver.apply(.put(key: "b", value: 1))
        driver.store.skip(at: 3)
        driver.apply(.counterAdd(name: "a", delta: 1))
        #expect(driver.store.get("a")?.revision == 4)
        #expect(driver.store.get("b")?.revision == 2)
        driver.apply(.compareAndSwap(key: "b", expected: 1, new: 5))
        #expect(driver.store.get("b")?.revision == 5)
    }

    @Test func deleteRemovesTheKeyAndReturnsThePrevious() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: nil))
        let deleted = driver.apply(.delete(key: "k"))
        #expect(deleted.result == .delete(previous: .null))
        #expect(deleted.changes == [KeyValueStore.Change(key: "k", old: .null, new: nil)])
        #expect(driver.store.get("k") == nil)
        #expect(driver.store.count == 0)
    }

    @Test func deleteOfAMissingKeyChangesNothing() {
        var driver = StoreDriver()
        let deleted = driver.apply(.delete(key: "ghost"))
        #expect(deleted.result == .delete(previous: nil))
        #expect(deleted.changes.isEmpty)
        #expect(driver.store.appliedIndex == 1)
    }

    @Test func wholeNumberDoubleIsStoredInCanonicalForm() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: ["x": 10.0, "y": 0.5]))
        #expect(driver.store.get("k")?.value == ["x": 10, "y": 0.5])
    }

    @Test func valuesJSONCannotCarryAndEmptyKeysAreRejectedWithoutChange() {
        var driver = StoreDriver()
        let nan = driver.apply(.put(key: "k", value: ["x": .double(.nan)]))
        #expect(!nan.result.succeeded)
        #expect(nan.changes.isEmpty)
        let empty = driver.apply(.put(key: "", value: 1))
        #expect(empty.result == .rejected(reason: "a key must not be empty"))
        #expect(driver.store.count == 0)
        #expect(driver.store.appliedIndex == 2)
    }

    @Test func skipOnlyAdvancesTheAppliedIndex() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: 1), time: 50)
        let before = driver.store
        driver.store.skip(at: 2)
        #expect(driver.store.appliedIndex == 2)
        #expect(driver.store.clock == before.clock)
        #expect(driver.store.get("k") == before.get("k"))
    }

    @Test func keysWithPrefixAreSorted() {
        var driver = StoreDriver()
        for key in ["game/2", "player/a", "game/10", "game/1"] { driver.apply(.put(key: key, value: true)) }
        #expect(driver.store.keys(withPrefix: "game/") == ["game/1", "game/10", "game/2"])
        #expect(driver.store.keys(withPrefix: "") == ["game/1", "game/10", "game/2", "player/a"])
        #expect(driver.store.count == 4)
    }

    @Test func operationKeysListTouchedKeysOnceInOrder() {
        let transaction = StoreOperation.transaction(Transaction(
            conditions: [.exists(key: "a")], success: [.put(key: "b", value: 1), .put(key: "a", value: 2)],
            failure: [.counterBatch([CounterDelta(name: "c", delta: 1)])]))
        #expect(transaction.keys == ["a", "b", "c"])
        #expect(StoreOperation.lockAcquire(name: "l", holder: "h", ttlMilliseconds: 1).keys == [])
        #expect(StoreOperation.compareAndSwap(key: "k", expected: nil, new: 1).keys == ["k"])
    }

    @Test func theSameCommandsGiveTheSameStoreWhetherAppliedFromMemoryOrFromTheCodec() throws {
        let operations: [StoreOperation] = [
            .put(key: "a", value: ["n": 3.0, "m": [1.0, 2.5]]), .counterAdd(name: "c", delta: 4),
            .lockAcquire(name: "l", holder: "h", ttlMilliseconds: 10),
            .compareAndSwap(key: "a", expected: ["n": 3, "m": [1, 2.5]], new: 7.0),
        ]
        var direct = KeyValueStore()
        var decoded = KeyValueStore()
        for (offset, operation) in operations.enumerated() {
            let command = Command(id: ProposalID(node: 9, sequence: UInt64(offset)), time: Int64(offset * 100), operation: operation)
            let index = UInt64(offset + 1)
            let viaMemory = direct.apply(command, at: index)
            let viaLog = decoded.apply(try CommandCodec.decode(CommandCodec.encode(command, compressAbove: nil)), at: index)
            #expect(viaMemory.result == viaLog.result)
            #expect(viaMemory.changes == viaLog.changes)
        }
        #expect(direct == decoded)
        #expect(direct.get("a")?.value == 7)
    }
}

@Suite("KeyValueStore: compare-and-swap, compared at apply time")
struct KeyValueStoreCompareAndSwapTests {
    @Test func swapsWhenTheCurrentValueMatches() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: 1))
        let swapped = driver.apply(.compareAndSwap(key: "k", expected: 1, new: 2))
        #expect(swapped.result == .compareAndSwap(succeeded: true, current: 2))
        #expect(swapped.changes == [KeyValueStore.Change(key: "k", old: 1, new: 2)])
        #expect(driver.store.get("k") == KeyValueStore.Versioned(value: 2, revision: 2))
    }

    @Test func failsAndReportsTheCurrentValueWhenItDiffers() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: 1))
        let failed = driver.apply(.compareAndSwap(key: "k", expected: 5, new: 2))
        #expect(failed.result == .compareAndSwap(succeeded: false, current: 1))
        #expect(!failed.result.succeeded)
        #expect(failed.changes.isEmpty)
        #expect(driver.store.get("k") == KeyValueStore.Versioned(value: 1, revision: 1))
    }

    @Test func expectedNilMeansTheKeyMustBeAbsent() {
        var driver = StoreDriver()
        #expect(driver.apply(.compareAndSwap(key: "k", expected: nil, new: "first")).result == .compareAndSwap(succeeded: true, current: "first"))
        #expect(driver.apply(.compareAndSwap(key: "k", expected: nil, new: "second")).result == .compareAndSwap(succeeded: false, current: "first"))
    }

    @Test func expectedNullIsNotTheSameAsAbsent() {
        var driver = StoreDriver()
        #expect(driver.apply(.compareAndSwap(key: "k", expected: .null, new: 1)).result == .compareAndSwap(succeeded: false, current: nil))
        driver.apply(.put(key: "k", value: nil))
        #expect(driver.apply(.compareAndSwap(key: "k", expected: nil, new: 1)).result == .compareAndSwap(succeeded: false, current: .null))
        #expect(driver.apply(.compareAndSwap(key: "k", expected: .null, new: 1)).result == .compareAndSwap(succeeded: true, current: 1))
    }

    @Test func newNilDeletesTheKey() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: "v"))
        let deleted = driver.apply(.compareAndSwap(key: "k", expected: "v", new: nil))
        #expect(deleted.result == .compareAndSwap(succeeded: true, current: nil))
        #expect(deleted.changes == [KeyValueStore.Change(key: "k", old: "v", new: nil)])
        #expect(driver.store.get("k") == nil)
    }

    @Test func twoRacingSwapsFromTheSameReadOnlyOneWins() {
        var driver = StoreDriver()
        driver.apply(.put(key: "seat", value: "free"))
        // Two clients read "free" and both propose; the log orders them and only the first applies.
        let first = driver.apply(.compareAndSwap(key: "seat", expected: "free", new: "ann"))
        let second = driver.apply(.compareAndSwap(key: "seat", expected: "free", new: "bob"))
        #expect(first.result.succeeded)
        #expect(second.result == .compareAndSwap(succeeded: false, current: "ann"))
    }

    @Test func expectedWholeNumberDoubleMatchesTheStoredInt() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: 3))
        #expect(driver.apply(.compareAndSwap(key: "k", expected: 3.0, new: 4)).result.succeeded)
    }
}

@Suite("KeyValueStore: transactions")
struct KeyValueStoreTransactionTests {
    @Test func conditionsOnValuesThatHoldRunTheSuccessBranch() {
        var driver = StoreDriver()
        driver.apply(.put(key: "state", value: "lobby"))
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [.valueEquals(key: "state", value: "lobby"), .valueEquals(key: "round", value: nil)],
            success: [.put(key: "state", value: "playing"), .put(key: "round", value: 1)],
            failure: [.put(key: "error", value: "not in lobby")])))
        #expect(outcome.result == .transaction(succeeded: true, results: [.put(previous: "lobby"), .put(previous: nil)]))
        #expect(outcome.changes.map(\.key) == ["state", "round"])
        #expect(driver.store.get("state") == KeyValueStore.Versioned(value: "playing", revision: 2))
        #expect(driver.store.get("round")?.revision == 2)
        #expect(driver.store.get("error") == nil)
    }

    @Test func aConditionThatFailsRunsTheFailureBranch() {
        var driver = StoreDriver()
        driver.apply(.put(key: "state", value: "playing"))
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [.valueEquals(key: "state", value: "lobby")],
            success: [.put(key: "state", value: "playing")],
            failure: [.put(key: "error", value: "not in lobby")])))
        #expect(outcome.result == .transaction(succeeded: false, results: [.put(previous: nil)]))
        #expect(!outcome.result.succeeded)
        #expect(driver.store.get("error")?.value == "not in lobby")
        #expect(driver.store.get("state")?.revision == 1)
    }

    @Test func revisionConditionsSupportOptimisticUpdates() {
        var driver = StoreDriver()
        driver.apply(.put(key: "doc", value: "v1"))
        let revision = driver.store.get("doc")!.revision
        driver.apply(.put(key: "doc", value: "v2 by someone else"))
        let stale = driver.apply(.transaction(Transaction(
            conditions: [.revisionEquals(key: "doc", revision: revision)], success: [.put(key: "doc", value: "mine")])))
        #expect(stale.result == .transaction(succeeded: false, results: []))
        #expect(driver.store.get("doc")?.value == "v2 by someone else")

        let fresh = driver.apply(.transaction(Transaction(
            conditions: [.revisionEquals(key: "doc", revision: driver.store.get("doc")!.revision)],
            success: [.put(key: "doc", value: "mine")])))
        #expect(fresh.result.succeeded)
        #expect(driver.store.get("doc")?.value == "mine")
    }

    @Test func revisionZeroExistsAndAbsentDescribePresence() {
        var driver = StoreDriver()
        driver.apply(.put(key: "here", value: 1))
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [.revisionEquals(key: "gone", revision: 0), .absent(key: "gone"), .exists(key: "here")],
            success: [.put(key: "ok", value: true)])))
        #expect(outcome.result.succeeded)
        let negative = driver.apply(.transaction(Transaction(conditions: [.exists(key: "gone")], success: [])))
        #expect(negative.result == .transaction(succeeded: false, results: []))
    }

    @Test func noConditionsAlwaysRunsTheSuccessBranch() {
        var driver = StoreDriver()
        let outcome = driver.apply(.transaction(Transaction(conditions: [], success: [.put(key: "a", value: 1), .delete(key: "a")])))
        #expect(outcome.result == .transaction(succeeded: true, results: [.put(previous: nil), .delete(previous: 1)]))
        #expect(outcome.changes == [
            KeyValueStore.Change(key: "a", old: nil, new: 1), KeyValueStore.Change(key: "a", old: 1, new: nil),
        ])
        #expect(driver.store.get("a") == nil)
    }

    @Test func allOrNothingWhenAnOperationOfTheBranchCannotApply() {
        var driver = StoreDriver()
        driver.apply(.put(key: "name", value: "ann"))
        driver.apply(.put(key: "a", value: 1))
        driver.apply(.put(key: "label", value: "text"))
        let before = driver.store
        // The third operation adds to a string: the put and the delete before it are undone too.
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [],
            success: [.put(key: "a", value: 2), .delete(key: "name"), .counterAdd(name: "label", delta: 1), .put(key: "z", value: 0)])))
        guard case .rejected(let reason) = outcome.result else {
            Issue.record("expected a rejection, got \(outcome.result)")
            return
        }
        #expect(reason.contains("success operation 2"))
        #expect(outcome.changes.isEmpty)
        #expect(driver.store.get("a") == before.get("a"))
        #expect(driver.store.get("name") == before.get("name"))
        #expect(driver.store.get("z") == nil)
        #expect(driver.store.count == before.count)
    }

    @Test func aFailedCompareAndSwapInsideTheBranchRollsBackTheWholeBranch() {
        var driver = StoreDriver()
        driver.apply(.put(key: "k", value: 1))
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [], success: [.put(key: "a", value: 1), .compareAndSwap(key: "k", expected: 2, new: 3)])))
        #expect(!outcome.result.succeeded)
        #expect(driver.store.get("a") == nil)
        #expect(driver.store.get("k")?.value == 1)
    }

    @Test func nestedTransactionsAreRefused() {
        var driver = StoreDriver()
        let inner = StoreOperation.transaction(Transaction(conditions: [], success: [.put(key: "x", value: 1)]))
        let outcome = driver.apply(.transaction(Transaction(conditions: [], success: [.put(key: "a", value: 1)], failure: [inner])))
        #expect(outcome.result == .rejected(reason: "failure operation 0: transactions cannot be nested"))
        #expect(driver.store.count == 0)
    }

    @Test func lockOperationsInsideATransactionAreRefused() {
        var driver = StoreDriver()
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [], success: [.put(key: "a", value: 1), .lockAcquire(name: "l", holder: "h", ttlMilliseconds: 10)])))
        #expect(outcome.result == .rejected(reason: "success operation 1: lock operations are not allowed in a transaction"))
        #expect(driver.store.count == 0)
        #expect(driver.store.lock("l") == nil)
    }

    @Test func countersInsideATransactionApply() {
        var driver = StoreDriver()
        let outcome = driver.apply(.transaction(Transaction(
            conditions: [.absent(key: "done")],
            success: [.counterBatch([CounterDelta(name: "a", delta: 2), CounterDelta(name: "b", delta: 3)]), .put(key: "done", value: true)])))
        #expect(outcome.result == .transaction(succeeded: true, results: [.counter(values: ["a": 2, "b": 3]), .put(previous: nil)]))
    }
}

@Suite("KeyValueStore: locks with expiry by entry time and fencing tokens")
struct KeyValueStoreLockTests {
    @Test func acquireGrantsAFreeLockWithExpiryFromTheEntryTime() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 5_000, time: 1_000)
        #expect(grant == LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 6_000))
        #expect(driver.store.lock("leader") == grant)
        #expect(driver.store.heldLocks == [grant!])
    }

    @Test func anotherHolderIsRefusedWhileTheLockIsHeld() {
        var driver = StoreDriver()
        _ = driver.acquire("leader", "ann", ttl: 5_000, time: 1_000)
        let refused = driver.apply(.lockAcquire(name: "leader", holder: "bob", ttlMilliseconds: 5_000), time: 5_999)
        #expect(refused.result == .lock(nil))
        #expect(!refused.result.succeeded)
        #expect(driver.store.lock("leader")?.holder == "ann")
    }

    /// A retry after a lost answer: the holder counts the retry's TTL from when it sent it, so
    /// the grant must last that long too.
    @Test func theSameHolderReacquiringGetsItsCurrentGrantExtended() {
        var driver = StoreDriver()
        let first = driver.acquire("leader", "ann", ttl: 5_000, time: 1_000)
        let retry = driver.acquire("leader", "ann", ttl: 5_000, time: 2_000)
        #expect(retry?.token == first?.token)
        #expect(retry?.expiresAt == 7_000)
        #expect(driver.store.lastLockToken("leader") == 1)
        // A shorter retry never shortens the grant.
        let short = driver.acquire("leader", "ann", ttl: 1_000, time: 3_000)
        #expect(short?.expiresAt == 7_000)
    }

    @Test func expiryIsJudgedByTheEntryTimeNotTheWallClock() {
        var driver = StoreDriver()
        _ = driver.acquire("leader", "ann", ttl: 5_000, time: 1_000)
        // Time only moves with entries: no entry, no expiry, however long we wait here.
        #expect(driver.store.lock("leader") != nil)
        driver.apply(.put(key: "tick", value: 1), time: 6_000)
        #expect(driver.store.clock == 6_000)
        #expect(driver.store.lock("leader") == nil)
        let bob = driver.acquire("leader", "bob", ttl: 1_000)
        #expect(bob == LockGrant(name: "leader", holder: "bob", token: 2, expiresAt: 7_000))
    }

    @Test func anOlderEntryTimeDoesNotMoveTheClockBack() {
        var driver = StoreDriver()
        _ = driver.acquire("leader", "ann", ttl: 1_000, time: 10_000)
        driver.apply(.put(key: "tick", value: 1), time: 11_000)
        #expect(driver.store.lock("leader") == nil)
        // A new leader that has not applied everything yet stamps an older time: the store clock
        // stays at 11,000, and the grant lasts its ttl from there.
        let bob = driver.acquire("leader", "bob", ttl: 2_500, time: 9_000)
        #expect(driver.store.clock == 11_000)
        #expect(bob?.expiresAt == 13_500)
        driver.apply(.put(key: "tick", value: 2), time: 3_000)
        #expect(driver.store.clock == 11_000)
        #expect(driver.store.lock("leader") == bob)
    }

    @Test func fencingTokensStrictlyIncreaseAcrossGrantsReleasesExpiriesAndSnapshots() throws {
        var driver = StoreDriver()
        var tokens: [UInt64] = []
        let annGrant = driver.acquire("db", "ann", ttl: 100, time: 0)
        let ann = try #require(annGrant)
        tokens.append(ann.token)
        #expect(driver.apply(.lockRelease(name: "db", holder: "ann", token: ann.token)).result == .lockReleased(true))
        let bobGrant = driver.acquire("db", "bob", ttl: 100, time: 10)
        let bob = try #require(bobGrant)
        tokens.append(bob.token)
        driver.apply(.put(key: "tick", value: 1), time: 200)  // bob's grant expires
        let carolGrant = driver.acquire("db", "carol", ttl: 100)
        let carol = try #require(carolGrant)
        tokens.append(carol.token)
        #expect(driver.apply(.lockRelease(name: "db", holder: "carol", token: carol.token)).result.succeeded)

        driver.store = try KeyValueStore(snapshot: driver.store.snapshot())
        let daveGrant = driver.acquire("db", "dave", ttl: 100)
        let dave = try #require(daveGrant)
        tokens.append(dave.token)
        #expect(tokens == [1, 2, 3, 4])
        // Tokens are per lock name.
        #expect(driver.acquire("other", "ann", ttl: 100)?.token == 1)
    }

    @Test func renewExtendsAGrantThatIsStillHeld() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 1_000, time: 0)!
        let renewed = driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token, ttlMilliseconds: 1_000), time: 900)
        #expect(renewed.result == .lock(LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 1_900)))
        driver.apply(.put(key: "tick", value: 1), time: 1_500)
        #expect(driver.store.lock("leader")?.token == 1)
    }

    @Test("A renewal never shortens a grant: a shorter TTL keeps the later expiry, as a re-acquire by the holder does")
    func renewNeverShortensAGrant() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 1_000, time: 0)!
        let renewed = driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token, ttlMilliseconds: 100), time: 200)
        #expect(renewed.result == .lock(LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 1_000)))
        let reacquired = driver.apply(.lockAcquire(name: "leader", holder: "ann", ttlMilliseconds: 100), time: 300)
        #expect(reacquired.result == .lock(LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 1_000)))
        // Past the renewal's own `clock + ttl` (300), the grant still holds until 1,000.
        driver.apply(.put(key: "tick", value: 1), time: 999)
        #expect(driver.store.lock("leader")?.token == 1)
        #expect(driver.acquire("leader", "bob", ttl: 100) == nil)
    }

    @Test func renewWithAWrongTokenOrHolderOrAfterExpiryIsRefused() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 1_000, time: 0)!
        #expect(driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token + 1, ttlMilliseconds: 1_000)).result == .lock(nil))
        #expect(driver.apply(.lockRenew(name: "leader", holder: "bob", token: grant.token, ttlMilliseconds: 1_000)).result == .lock(nil))
        #expect(driver.apply(.lockRenew(name: "nothing", holder: "ann", token: 1, ttlMilliseconds: 1_000)).result == .lock(nil))
        #expect(driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token, ttlMilliseconds: 1_000), time: 1_000).result == .lock(nil))
        #expect(driver.store.lock("leader") == nil)
    }

    @Test func releaseWithAWrongTokenOrHolderIsRefused() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 1_000, time: 0)!
        #expect(driver.apply(.lockRelease(name: "leader", holder: "ann", token: 99)).result == .lockReleased(false))
        #expect(driver.apply(.lockRelease(name: "leader", holder: "bob", token: grant.token)).result == .lockReleased(false))
        #expect(!driver.apply(.lockRelease(name: "leader", holder: "bob", token: grant.token)).result.succeeded)
        #expect(driver.store.lock("leader") == grant)
    }

    @Test func releaseFreesTheLockForTheNextHolder() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 1_000, time: 0)!
        #expect(driver.apply(.lockRelease(name: "leader", holder: "ann", token: grant.token)).result == .lockReleased(true))
        #expect(driver.store.lock("leader") == nil)
        #expect(driver.acquire("leader", "bob", ttl: 1_000)?.token == 2)
        // Releasing the old grant again is refused: bob holds a newer token.
        #expect(driver.apply(.lockRelease(name: "leader", holder: "ann", token: grant.token)).result == .lockReleased(false))
    }

    @Test func locksLiveOutsideTheKeySpace() {
        var driver = StoreDriver()
        let outcome = driver.apply(.lockAcquire(name: "leader", holder: "ann", ttlMilliseconds: 1_000))
        #expect(outcome.changes.isEmpty)
        #expect(driver.store.count == 0)
        #expect(driver.store.get("leader") == nil)
    }

    @Test func invalidLockArgumentsAreRejected() {
        var driver = StoreDriver()
        #expect(driver.apply(.lockAcquire(name: "l", holder: "h", ttlMilliseconds: 0)).result == .rejected(reason: "a lock ttl must be positive, got 0 ms"))
        #expect(driver.apply(.lockAcquire(name: "", holder: "h", ttlMilliseconds: 1)).result == .rejected(reason: "a lock name must not be empty"))
        #expect(driver.apply(.lockAcquire(name: "l", holder: "", ttlMilliseconds: 1)).result == .rejected(reason: "a lock holder must not be empty"))
        #expect(driver.store.lastLockToken("l") == 0)
    }

    @Test func expiryNearTheEndOfTimeSaturates() {
        var driver = StoreDriver()
        #expect(driver.acquire("l", "h", ttl: .max, time: 10)?.expiresAt == .max)
    }

    // MARK: Requests whose own TTL passed before they were applied

    @Test("An acquire stamped at t, applied after an entry stamped t + ttl moved the clock, is refused, and the lock stays free for the next acquirer")
    func anAcquireAppliedAfterItsOwnTTLIsRefused() {
        var driver = StoreDriver()
        driver.apply(.put(key: "tick", value: 0), time: 1_000)
        // The waiter's request was stamped at 1,000 with a ttl of 500, then held up (a leader
        // change) while another command, stamped 1,500, committed ahead of it.
        driver.apply(.put(key: "tick", value: 1), time: 1_500)
        let before = driver.store
        let stale = driver.apply(.lockAcquire(name: "leader", holder: "ann", ttlMilliseconds: 500), time: 1_000)
        #expect(stale.result == .lock(nil))
        #expect(stale.changes.isEmpty)
        #expect(driver.store.lock("leader") == nil)
        #expect(driver.store.lastLockToken("leader") == 0)
        #expect(driver.store.clock == before.clock)
        // The next acquirer gets it at once, with the first token, for its full ttl.
        let bob = driver.acquire("leader", "bob", ttl: 500, time: 1_500)
        #expect(bob == LockGrant(name: "leader", holder: "bob", token: 1, expiresAt: 2_000))
    }

    @Test("An acquire applied one millisecond before its own TTL passes is granted, for its full ttl from the store clock")
    func anAcquireAppliedJustBeforeItsTTLIsGranted() {
        var driver = StoreDriver()
        driver.apply(.put(key: "tick", value: 1), time: 1_499)
        let grant = driver.acquire("leader", "ann", ttl: 500, time: 1_000)
        #expect(grant == LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 1_999))
        #expect(driver.store.lock("leader") == grant)
    }

    @Test("A stale acquire by the current holder is refused too, and leaves its grant as it was")
    func aStaleRetryByTheHolderIsRefusedAndChangesNothing() {
        var driver = StoreDriver()
        let grant = driver.acquire("leader", "ann", ttl: 5_000, time: 1_000)
        driver.apply(.put(key: "tick", value: 1), time: 2_000)
        let stale = driver.apply(.lockAcquire(name: "leader", holder: "ann", ttlMilliseconds: 500), time: 1_200)
        #expect(stale.result == .lock(nil))
        #expect(driver.store.lock("leader") == grant)
    }

    @Test("A renew stamped at t, applied after an entry stamped t + ttl moved the clock, is refused: the grant keeps its expiry and then lapses for the next acquirer")
    func aRenewAppliedAfterItsOwnTTLIsRefused() throws {
        var driver = StoreDriver()
        let acquired = driver.acquire("leader", "ann", ttl: 2_000, time: 0)
        let grant = try #require(acquired)
        // Renew stamped 500 with a ttl of 1,000, applied after an entry stamped 1,500: the grant
        // is still live (until 2,000), but the renewal's own deadline is over.
        driver.apply(.put(key: "tick", value: 1), time: 1_500)
        let stale = driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token, ttlMilliseconds: 1_000), time: 500)
        #expect(stale.result == .lock(nil))
        #expect(driver.store.lock("leader") == grant)
        #expect(driver.store.lock("leader")?.expiresAt == 2_000)
        // At 2,000 the unrenewed grant lapses and the next acquirer gets it.
        driver.apply(.put(key: "tick", value: 2), time: 2_000)
        #expect(driver.store.lock("leader") == nil)
        #expect(driver.acquire("leader", "bob", ttl: 1_000)?.token == 2)
    }

    @Test("A renew applied one millisecond before its own TTL passes extends the grant to clock + ttl")
    func aRenewAppliedJustBeforeItsTTLIsGranted() throws {
        var driver = StoreDriver()
        let acquired = driver.acquire("leader", "ann", ttl: 2_000, time: 0)
        let grant = try #require(acquired)
        driver.apply(.put(key: "tick", value: 1), time: 1_499)
        let renewed = driver.apply(.lockRenew(name: "leader", holder: "ann", token: grant.token, ttlMilliseconds: 1_000), time: 500)
        #expect(renewed.result == .lock(LockGrant(name: "leader", holder: "ann", token: 1, expiresAt: 2_499)))
    }

    @Test("Staleness saturates: a ttl near the end of time never wraps around into the past")
    func stalenessSaturates() {
        var driver = StoreDriver()
        driver.apply(.put(key: "tick", value: 1), time: 1_000_000)
        #expect(driver.acquire("l", "h", ttl: .max, time: 10)?.expiresAt == .max)
    }
}

@Suite("KeyValueStore: counters")
struct KeyValueStoreCounterTests {
    @Test func addToAMissingKeyStartsFromZero() {
        var driver = StoreDriver()
        let outcome = driver.apply(.counterAdd(name: "score", delta: 5))
        #expect(outcome.result == .counter(values: ["score": 5]))
        #expect(outcome.changes == [KeyValueStore.Change(key: "score", old: nil, new: 5)])
        #expect(driver.store.get("score") == KeyValueStore.Versioned(value: 5, revision: 1))
    }

    @Test func addToAnExistingIntegerAndSubtract() {
        var driver = StoreDriver()
        driver.apply(.put(key: "score", value: 10))
        #expect(driver.apply(.counterAdd(name: "score", delta: -3)).result == .counter(values: ["score": 7]))
        #expect(driver.store.get("score")?.value == 7)
    }

    @Test func addToANonIntegerKeyIsRejected() {
        var driver = StoreDriver()
        driver.apply(.put(key: "score", value: "high"))
        let outcome = driver.apply(.counterAdd(name: "score", delta: 1))
        #expect(outcome.result == .rejected(reason: #"counter "score" holds "high", not an integer"#))
        #expect(outcome.changes.isEmpty)
        #expect(driver.store.get("score") == KeyValueStore.Versioned(value: "high", revision: 1))
    }

    @Test func overflowIsRejected() {
        var driver = StoreDriver()
        driver.apply(.put(key: "n", value: .int(.max)))
        #expect(!driver.apply(.counterAdd(name: "n", delta: 1)).result.succeeded)
        #expect(driver.store.get("n")?.value == .int(.max))
    }

    @Test func batchAppliesEveryDeltaWithOneChangePerKey() {
        var driver = StoreDriver()
        driver.apply(.put(key: "b", value: 100))
        let outcome = driver.apply(.counterBatch([
            CounterDelta(name: "a", delta: 1), CounterDelta(name: "b", delta: -1), CounterDelta(name: "a", delta: 2),
        ]))
        #expect(outcome.result == .counter(values: ["a": 3, "b": 99]))
        #expect(outcome.changes == [KeyValueStore.Change(key: "a", old: nil, new: 3), KeyValueStore.Change(key: "b", old: 100, new: 99)])
        #expect(driver.store.get("a")?.revision == 2)
    }

    @Test func batchIsAllOrNothing() {
        var driver = StoreDriver()
        driver.apply(.put(key: "b", value: true))
        driver.apply(.put(key: "c", value: .int(.min)))
        let notAnInteger = driver.apply(.counterBatch([CounterDelta(name: "a", delta: 1), CounterDelta(name: "b", delta: 1)]))
        #expect(!notAnInteger.result.succeeded)
        let overflow = driver.apply(.counterBatch([CounterDelta(name: "a", delta: 1), CounterDelta(name: "c", delta: -1)]))
        #expect(!overflow.result.succeeded)
        #expect(notAnInteger.changes.isEmpty && overflow.changes.isEmpty)
        #expect(driver.store.get("a") == nil)
        #expect(driver.store.count == 2)
    }
}

@Suite("KeyValueStore: snapshots")
struct KeyValueStoreSnapshotTests {
    /// A store with keys, a null value, a held lock, a released lock and an advanced clock.
    static func populated() -> KeyValueStore {
        var driver = StoreDriver()
        driver.apply(.put(key: "config", value: ["maxPlayers": 10, "tags": ["a"], "ratio": 0.1]), time: 100)
        driver.apply(.put(key: "empty", value: nil))
        driver.apply(.counterAdd(name: "score", delta: 42))
        let old = driver.acquire("released", "ann", ttl: 10)!
        driver.apply(.lockRelease(name: "released", holder: "ann", token: old.token))
        _ = driver.acquire("held", "bob", ttl: 60_000, time: 500)
        driver.store.skip(at: driver.store.appliedIndex + 1)
        return driver.store
    }

    @Test func restoreGivesAnEqualStore() throws {
        let store = Self.populated()
        let restored = try KeyValueStore(snapshot: store.snapshot())
        #expect(restored == store)
        #expect(restored.appliedIndex == 7)
        #expect(restored.clock == 500)
        #expect(restored.get("empty") == KeyValueStore.Versioned(value: .null, revision: 2))
        #expect(restored.lock("held")?.holder == "bob")
        #expect(restored.lastLockToken("released") == 1)
    }

    @Test func snapshotBytesAreDeterministic() throws {
        var first = StoreDriver()
        var second = StoreDriver()
        for key in ["a", "b", "c"] { first.apply(.put(key: key, value: ["x": 1, "y": 2, "z": [3]])) }
        for key in ["a", "b", "c"] { second.apply(.put(key: key, value: ["z": [3], "y": 2, "x": 1])) }
        #expect(try first.store.snapshot() == second.store.snapshot())
        let restored = try KeyValueStore(snapshot: first.store.snapshot())
        #expect(try restored.snapshot() == first.store.snapshot())
        #expect(try Self.populated().snapshot() == Self.populated().snapshot())
    }

    @Test func restoredStoreContinuesFromTheNextIndex() throws {
        var restored = try KeyValueStore(snapshot: Self.populated().snapshot())
        let command = Command(id: ProposalID(node: 2, sequence: 1), time: 0, operation: .counterAdd(name: "score", delta: 1))
        let outcome = restored.apply(command, at: 8)
        #expect(outcome.result == .counter(values: ["score": 43]))
        #expect(restored.get("score")?.revision == 8)
        #expect(restored.clock == 500)
    }

    @Test func compressedSnapshotRoundTripsAndIsSmaller() throws {
        var driver = StoreDriver()
        for index in 0..<500 { driver.apply(.put(key: "player/\(index)", value: ["name": "player", "score": 0, "ready": false])) }
        let plain = try CommandCodec.encodeSnapshot(driver.store, compressAbove: nil)
        let compressed = try CommandCodec.encodeSnapshot(driver.store, compressAbove: 1024)
        #expect(plain.first == 0)
        #expect(compressed.first == 1)
        #expect(compressed.count * 5 < plain.count)
        #expect(try CommandCodec.decodeSnapshot(compressed) == driver.store)
        #expect(try CommandCodec.decodeSnapshot(plain) == driver.store)
        #expect(try CommandCodec.decodeSnapshot(CommandCodec.encodeSnapshot(Self.populated(), compressAbove: 0)) == Self.populated())
    }

    /// A value as deep as a store takes still snapshots and reads back (the snapshot's JSON adds
    /// levels of its own, and JSON readers stop at 512); one level more is refused when applied,
    /// on every member alike, instead of making the next snapshot unreadable.
    @Test func valuesNestedPastTheLimitAreRejectedAndTheDeepestAllowedSnapshots() throws {
        func nested(_ depth: Int) -> ConsensusValue {
            (0..<depth).reduce(ConsensusValue.int(1)) { inner, i in i % 2 == 0 ? .array([inner]) : .object(["k": inner]) }
        }
        #expect(!nested(KeyValueStore.valueNestingMax).nests(deeperThan: KeyValueStore.valueNestingMax))
        #expect(nested(KeyValueStore.valueNestingMax + 1).nests(deeperThan: KeyValueStore.valueNestingMax))
        var driver = StoreDriver()
        let deepest = driver.apply(.put(key: "deep", value: nested(KeyValueStore.valueNestingMax)))
        #expect(deepest.result.succeeded)
        let tooDeep = driver.apply(.put(key: "deeper", value: nested(KeyValueStore.valueNestingMax + 1)))
        #expect(tooDeep.result == .rejected(reason: "a value must not nest arrays and objects more than 500 levels deep (snapshots could not be read back)"))
        let swapped = driver.apply(.compareAndSwap(key: "deep", expected: nil, new: nested(KeyValueStore.valueNestingMax + 1)))
        #expect(swapped.result == tooDeep.result)
        #expect(try CommandCodec.decodeSnapshot(CommandCodec.encodeSnapshot(driver.store, compressAbove: nil)) == driver.store)
    }

    @Test func emptyStoreRoundTrips() throws {
        #expect(try KeyValueStore(snapshot: KeyValueStore().snapshot()) == KeyValueStore())
    }

    @Test func aSnapshotWithARevisionAfterItsIndexIsRefused() throws {
        let json = #"{"appliedIndex":1,"clock":0,"entries":{"k":{"revision":5,"value":1}},"format":1,"locks":{}}"#
        #expect(throws: CommandCodecError.self) { try KeyValueStore(snapshot: Array(json.utf8)) }
        let unknownFormat = #"{"appliedIndex":1,"clock":0,"entries":{},"format":2,"locks":{}}"#
        #expect(throws: CommandCodecError.self) { try KeyValueStore(snapshot: Array(unknownFormat.utf8)) }
    }
}
