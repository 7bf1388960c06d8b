// The lesson's exercise, "Build a Distributed Counter", solved with swift-consensus the way an
// application would: increments and decrements from every member, an atomic batch, one member
// killed, one cut off by a partition, and at the end the same value on every member.
// tutorials/11-counter-exercise.md walks through it. Exits with status 1 if the count is wrong
// or the members disagree.

import Consensus
import ConsensusRecipes
import Foundation

/// What the program knows about its own changes: the sum of those that were applied, and of
/// those whose outcome is unknown (a timeout: they may or may not have been counted).
struct Tally {
    var applied: Int64 = 0
    var unknown: [Int64] = []
}

/// Adds `delta` through `node`. A definite refusal (`notApplied`: no leader, no quorum) changed
/// nothing, so trying again cannot count twice; an unknown outcome is never retried.
func add(_ delta: Int64, to name: String, through node: ConsensusTrait, tally: inout Tally) async throws {
    for _ in 1...50 {
        do throws(RecipeError) {
            try await AtomicCounter(name, on: node).add(delta)
            tally.applied += delta
            return
        } catch .notApplied {
            try await node.clock.sleep(for: .milliseconds(100))   // nothing changed: safe to retry
        } catch .outcomeUnknown {
            tally.unknown.append(delta)                           // may have been counted: never retry
            return
        }
    }
    throw RecipeError.notApplied(key: name, reason: "no leader for 5 s")
}

/// Whether `total` is what the tally allows: every applied change, plus some subset of the
/// unknown ones.
func possible(_ total: Int64, _ tally: Tally) -> Bool {
    var sums: Set<Int64> = [tally.applied]
    for delta in tally.unknown { sums.formUnion(sums.map { $0 + delta }) }
    return sums.contains(total)
}

/// One member's share of the concurrent changes: twenty, every fifth one a decrement.
func changes(through node: ConsensusTrait) async throws -> Tally {
    var tally = Tally()
    for i in 1...20 { try await add(i % 5 == 0 ? -1 : 1, to: "clicks", through: node, tally: &tally) }
    return tally
}

/// Tries to count through a member cut off from the majority; returns whether it counted.
func counted(whileCutOff node: ConsensusTrait, tally: inout Tally) async throws -> Bool {
    do throws(RecipeError) {
        try await AtomicCounter("clicks", on: node).increment()
        return true
    } catch {
        switch error {
        case .notApplied(_, let reason):
            print("\(node.nodeID) is cut off: refused, nothing counted (\(reason))")
        case .outcomeUnknown(_, let reason):
            print("\(node.nodeID) is cut off: no answer in time (\(reason))")
            tally.unknown.append(1)
        default:
            throw error
        }
        return false
    }
}

func run() async throws -> [String] {
    var violations: [String] = []
    let configuration = ConsensusConfiguration.raft(
        timeout: .seconds(10), heartbeatInterval: .milliseconds(50),
        electionTimeout: .milliseconds(300)...(.milliseconds(600)))
    let cluster = LocalCluster(size: 3, configuration: configuration)
    try await cluster.start()
    let leader = try await cluster.waitForLeader()
    let names = await cluster.names
    print("members \(names.joined(separator: " ")); \(leader.nodeID) leads the log")

    // 1. Every member increments at once (and decrements a little): nothing is lost.
    let tallies = try await withThrowingTaskGroup(of: Tally.self) { group in
        for name in names {
            let node = await cluster.node(name)!
            group.addTask { try await changes(through: node) }
        }
        var tallies: [Tally] = []
        for try await tally in group { tallies.append(tally) }
        return tallies
    }
    var tally = Tally(applied: tallies.map(\.applied).reduce(0, +), unknown: tallies.flatMap(\.unknown))
    let clicks = try await AtomicCounter("clicks", on: leader).read()
    print("clicks after 60 concurrent changes from 3 members: \(clicks)")
    if !possible(clicks, tally) { violations.append("clicks is \(clicks), the changes sum to \(tally.applied)") }

    // 2. An atomic batch: one entry changes both counters, so stock + sold never drifts.
    try await AtomicCounter("stock", on: leader).add(10)
    for _ in 1...3 { try await AtomicCounter.batch(["stock": -1, "sold": 1], on: await cluster.node(names[1])!) }
    let stock = try await AtomicCounter("stock", on: leader).read()
    let sold = try await AtomicCounter("sold", on: leader).read()
    print("after 3 batches: stock \(stock), sold \(sold)")
    if stock != 7 || sold != 3 { violations.append("the batches gave stock \(stock), sold \(sold)") }

    // 3. The leader dies; the two others elect a new one and keep counting.
    await cluster.kill(leader.nodeID)
    let next = try await cluster.waitForLeader()
    let survivor = await cluster.node(names.first { $0 != leader.nodeID && $0 != next.nodeID }!)!
    for _ in 1...5 { try await add(1, to: "clicks", through: survivor, tally: &tally) }
    let afterKill = try await AtomicCounter("clicks", on: next).read()
    print("killed \(leader.nodeID); \(next.nodeID) leads now; clicks \(afterKill)")

    // 4. Bring it back, then cut one member off: on the minority side a change fails at once
    //    with a definite refusal, and nothing is counted there.
    try await cluster.restart(leader.nodeID)
    let loner = names.first { $0 != next.nodeID }!
    await cluster.isolate(loner)
    let isolated = await cluster.node(loner)!
    _ = await cluster.waitUntil(timeout: .seconds(10)) { await !isolated.hasQuorum }
    if try await counted(whileCutOff: isolated, tally: &tally) { violations.append("\(loner) counted while cut off from the majority") }
    await cluster.heal()

    // 5. Once healed and caught up, every member holds the same value.
    let total = try await AtomicCounter("clicks", on: next).read()
    if !possible(total, tally) { violations.append("clicks is \(total), the changes sum to \(tally.applied)") }
    let agreed = await cluster.waitUntil(timeout: .seconds(30)) {
        for name in names {
            let value = await cluster.node(name)?.localRead("clicks").value
            if value != .int(total) { return false }
        }
        return true
    }
    print("clicks = \(total) on \(agreed ? "every member" : "some members only")")
    if !agreed { violations.append("the members do not agree on clicks") }
    await cluster.stop()
    return violations
}

let violations = try await run()
for violation in violations { print("VIOLATED: \(violation)") }
print(violations.isEmpty ? "distributed-counter: ok, no change lost or counted twice, every member agrees" : "distributed-counter: FAILED")
exit(violations.isEmpty ? 0 : 1)
