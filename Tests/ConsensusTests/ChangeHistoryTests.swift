@testable import Consensus
import ConsensusTesting
import Testing

/// The changes a member keeps for watches from a past revision (etcd's watch with a start
/// revision): bounded, forgotten a whole revision at a time, and met exactly by the live feed.
@Suite("Change history")
struct ChangeHistoryTests {
    func change(_ key: String, _ value: Int64, _ revision: UInt64) -> KeyChange { KeyChange(key: key, value: .int(value), revision: revision) }

    @Test("since(revision:) returns the changes at or after it, and nil once some were forgotten; whole revisions go together")
    func bounded() {
        var h = ChangeHistory(capacity: 2)
        h.record(change("a", 1, 1))
        h.record(change("a", 2, 2))
        h.record(change("b", 3, 2))   // one transaction: revision 2 wrote two keys
        h.record(change("a", 4, 3))
        #expect(h.since(revision: 1)?.count == 4)
        #expect(h.since(revision: 3) == [change("a", 4, 3)])
        h.record(change("a", 5, 4))   // over twice the capacity: trimmed to about capacity
        #expect(h.firstRetained == 3, "revision 2 goes whole, with both its changes")
        #expect(h.since(revision: 2) == nil)
        #expect(h.since(revision: 3) == [change("a", 4, 3), change("a", 5, 4)])
        #expect(h.since(revision: 9) == [])
        #expect(Array(h.recorded(after: 3)) == [change("a", 4, 3), change("a", 5, 4)])
        h.reset(after: 10)
        #expect(h.since(revision: 10) == nil && h.since(revision: 11) == [])
    }

    @Test("ConsensusTrait.changes(fromRevision:): the replay and the live feed meet exactly; a revision no longer held is refused")
    func feed() async throws {
        var configuration = ConsensusConfiguration.fastRaft()
        configuration.limits.changeHistoryMax = 3
        try await withCluster(configuration: configuration) { cluster in
            let leader = try await cluster.waitForLeader()
            #expect(try await leader.propose("k", 1))
            let first = await leader.debugState.appliedIndex
            #expect(try await leader.propose("k", 2))
            guard case .success(let feed) = await leader.changes(fromRevision: first) else {
                Issue.record("revision \(first) should still be held")
                return
            }
            #expect(feed.replay.map(\.value) == [1, 2])
            #expect(try await leader.propose("k", 3))
            var live = feed.live.makeAsyncIterator()
            let next = await live.next()
            #expect(next?.value == 3 && next!.revision > feed.replay.last!.revision, "\(String(describing: next))")
            for v in 4...10 { #expect(try await leader.propose("k", .int(Int64(v)))) }
            guard case .failure(let compacted) = await leader.changes(fromRevision: first) else {
                Issue.record("revision \(first) should be forgotten (changeHistoryMax 3)")
                return
            }
            #expect(compacted.firstRetained > first)
        }
    }
}
