import Consensus
import ConsensusRecipes
import ConsensusTesting
import Foundation
import Testing

/// The lesson's "Consensus Patterns" as written, next to this package's recipes, in the same
/// scenario, with the linearizability checker as the judge. Teaching material: each flawed
/// version is the lesson's code translated line by line.
@Suite("Recipes: the lesson's flawed patterns, caught by the checker")
struct LessonFlawTests {
    /// Lets two clients run up to a point and go on only when both have reached it: a forced
    /// interleaving instead of hoping a race shows up.
    actor Rendezvous {
        private var arrived = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []
        let parties: Int
        init(parties: Int) { self.parties = parties }

        func arrive() async {
            arrived += 1
            if arrived == parties {
                waiting.forEach { $0.resume() }
                waiting = []
            } else {
                await withCheckedContinuation { waiting.append($0) }
            }
        }
    }

    /// The lesson's `compareAndSwap`:
    ///
    /// ```typescript
    /// const current = consensus.get(key);
    /// if (current !== expected) return false; // Value changed
    /// return consensus.propose(key, newValue);
    /// ```
    ///
    /// THE FLAW: the comparison happens on the client, before the proposal. Between the `get` and
    /// the `propose` another client can write (here `afterRead` is that gap, made explicit), and
    /// the `propose` then overwrites that write unconditionally. Both callers are told their swap
    /// succeeded: one update is silently lost.
    static func lessonCompareAndSwap(
        _ node: ConsensusTrait, _ key: String, expected: ConsensusValue?, new: ConsensusValue,
        afterRead: () async -> Void
    ) async throws -> Bool {
        let current = try await node.value(key)
        await afterRead()
        if current != expected { return false }
        return try await node.propose(key, new)
    }

    /// Records a client's further compare-and-swaps, each at its real times.
    struct Retry: Sendable {
        let history: SharedHistory
        let client: Int

        func swap(_ cas: CompareAndSwap, expected: ConsensusValue?, new: ConsensusValue) async throws -> CompareAndSwap.Outcome {
            let id = await history.invoke(client: client, .compareAndSwap(key: "balance", expected: expected?.description, new: new.description))
            let outcome = try await cas.swap("balance", expected: expected, new: new)
            await history.complete(id, .swapped(outcome.swapped))
            return outcome
        }
    }

    /// Both clients add to `balance` (0 -> +10 and 0 -> +5) through `swap`, with both reads
    /// forced to happen before either write. Returns the history and the final value.
    static func raceTwoDeposits(
        _ cluster: LocalCluster,
        swap: @escaping @Sendable (_ node: ConsensusTrait, _ expected: ConsensusValue?, _ new: ConsensusValue, Rendezvous, _ retry: Retry) async throws -> Bool
    ) async throws -> (history: [HistoryOperation], final: ConsensusValue?) {
        let leader = try await cluster.waitForLeader()
        let clients = await cluster.followers(of: leader)
        let history = SharedHistory(clock: cluster.clock)
        let setup = await history.invoke(client: 9, .put(key: "balance", value: "0"))
        #expect(try await leader.propose("balance", 0))
        await history.complete(setup, .written)
        #expect(await cluster.waitUntil {
            for c in clients where await c.localRead("balance").value != 0 { return false }
            return true
        })
        let rendezvous = Rendezvous(parties: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (client, deposit) in [(0, Int64(10)), (1, Int64(5))] {
                group.addTask {
                    let node = clients[client]
                    let id = await history.invoke(client: client, .compareAndSwap(key: "balance", expected: "0", new: "\(deposit)"))
                    let retry = Retry(history: history, client: client)
                    let swapped = try await swap(node, 0, .int(deposit), rendezvous, retry)
                    await history.complete(id, .swapped(swapped))
                }
            }
            try await group.waitForAll()
        }
        let readID = await history.invoke(client: 9, .get(key: "balance"))
        let final = try await leader.value("balance", consistency: .linearizable)
        await history.complete(readID, .value(final?.description))
        return (await history.operations, final)
    }

    @Test("Lesson's compare-and-swap (get, compare, propose): two clients both 'win', one deposit is lost, and the checker rejects the history")
    func lessonCompareAndSwapLosesAnUpdate() async throws {
        try await withCluster { cluster in
            let (history, final) = try await Self.raceTwoDeposits(cluster) { node, expected, new, rendezvous, _ in
                try await Self.lessonCompareAndSwap(node, "balance", expected: expected, new: new) {
                    await rendezvous.arrive()   // both clients have read 0 before either writes
                }
            }
            // Both were told "true", yet the balance holds only one of the two deposits.
            #expect(history.filter { $0.outcome == .ok(.swapped(true)) }.count == 2)
            #expect(final == 10 || final == 5)
            let verdict = LinearizabilityChecker().check(history)
            #expect(!verdict.isLinearizable, "the checker must catch the lost update")
            if case .notLinearizable(let key, _) = verdict { #expect(key == "balance") }
        }
    }

    @Test("Our compare-and-swap in the same interleaving: exactly one wins, the loser retries on the new value, nothing is lost, the history is linearizable")
    func ourCompareAndSwapLosesNothing() async throws {
        try await withCluster { cluster in
            let (history, final) = try await Self.raceTwoDeposits(cluster) { node, expected, new, rendezvous, retry in
                let cas = CompareAndSwap(on: node)
                _ = try await node.value("balance")        // the same read, then the same gap
                await rendezvous.arrive()
                let outcome = try await cas.swap("balance", expected: expected, new: new)
                guard case .conflict(var current, _) = outcome else { return true }
                // Lost the race: the state machine said so, with the value that won. Retry on it
                // (what `update` does for you, here spelled out so each attempt is recorded).
                while true {
                    let next = ConsensusValue.int((current?.intValue ?? 0) + (new.intValue ?? 0))
                    guard case .conflict(let now, _) = try await retry.swap(cas, expected: current, new: next) else { break }
                    current = now
                }
                return false
            }
            #expect(history.filter { $0.outcome == .ok(.swapped(true)) }.count == 2)   // one first try, one retry
            #expect(final == 15)
            let verdict = LinearizabilityChecker().check(history)
            #expect(verdict == .linearizable, "\(verdict)")
        }
    }

    /// The lesson's `acquireLock`:
    ///
    /// ```typescript
    /// const lockValue = { holder: consensus.getNodeId(), expires: Date.now() + timeout };
    /// const acquired = await consensus.propose(lockKey, lockValue);
    /// ```
    ///
    /// THE FLAWS: the propose is an unconditional put, so it "succeeds" whether or not someone
    /// holds the lock: two clients are both told they hold it. Expiry is the holder's own
    /// `Date.now()` (a clock jump breaks it), and there is no fencing token.
    static func lessonAcquireLock(_ node: ConsensusTrait, _ resource: String, timeoutMilliseconds: Int64) async throws -> ProposalResult {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lockValue: ConsensusValue = ["holder": .string(node.nodeID), "expires": .int(now + timeoutMilliseconds)]
        return try await node.proposeWithResult("lock:\(resource)", lockValue)
    }

    static let ttlNanoseconds: Int64 = 60_000_000_000

    @Test("Lesson's lock (unconditional put): two clients both hold it at once, and the checker rejects the history")
    func lessonLockGivesTwoHolders() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let clients = await cluster.followers(of: leader)
            let history = SharedHistory(clock: cluster.clock)
            let rendezvous = Rendezvous(parties: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (client, node) in clients.enumerated() {
                    group.addTask {
                        await rendezvous.arrive()
                        let id = await history.invoke(client: client, .lockAcquire(lock: "report", holder: node.nodeID, ttl: Self.ttlNanoseconds))
                        let result = try await Self.lessonAcquireLock(node, "report", timeoutMilliseconds: 60_000)
                        // The lesson has no token; the put's log index is the kindest stand-in
                        // (unique and increasing). The grants still overlap.
                        await history.complete(id, result.accepted ? .granted(token: result.index ?? 0) : .refused)
                    }
                }
                try await group.waitForAll()
            }
            let operations = await history.operations
            #expect(operations.allSatisfy { if case .ok(.granted) = $0.outcome { true } else { false } },
                    "both clients were told they acquired the lock")
            let verdict = LinearizabilityChecker().check(operations)
            #expect(!verdict.isLinearizable, "two overlapping grants must be caught")
        }
    }

    @Test("Our lock in the same scenario: one holder, the other refused, the history is linearizable")
    func ourLockHasOneHolder() async throws {
        try await withCluster { cluster in
            let leader = try await cluster.waitForLeader()
            let clients = await cluster.followers(of: leader)
            let history = SharedHistory(clock: cluster.clock)
            let rendezvous = Rendezvous(parties: 2)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (client, node) in clients.enumerated() {
                    group.addTask {
                        let lock = DistributedLock("report", holder: node.nodeID, on: node)
                        await rendezvous.arrive()
                        let id = await history.invoke(client: client, .lockAcquire(lock: "report", holder: node.nodeID, ttl: Self.ttlNanoseconds))
                        do {
                            let grant = try await lock.acquire(ttl: .seconds(60))
                            await history.complete(id, .granted(token: grant.token))
                        } catch RecipeError.lockNotAcquired {
                            await history.complete(id, .refused)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let operations = await history.operations
            #expect(operations.filter { if case .ok(.granted) = $0.outcome { true } else { false } }.count == 1)
            #expect(operations.filter { $0.outcome == .ok(.refused) }.count == 1)
            let verdict = LinearizabilityChecker().check(operations)
            #expect(verdict == .linearizable, "\(verdict)")
        }
    }
}
