import Consensus
import ConsensusCore
import ConsensusTesting
import Testing

/// The step mode's `check`: the session's client history judged by the project's
/// ``LinearizabilityChecker``, with ok, failed and unknown outcomes.
@Suite("Step mode: check")
struct SteppedClusterCheckTests {
    // Check-quorum off so that `campaign n2` wins at once after the crash (with it on, n3 would
    // ignore n2 until its leader lease ran out: see the option's documentation).
    @Test("a clean session is linearizable: reads, writes, CAS, counters, a lock, and an unknown outcome")
    func clean() throws {
        var c = try SteppedClusterTests.cluster(seed: 5, checkQuorum: false)
        _ = c.run(script: """
            campaign n1
            stabilize
            put x 1 on n2
            cas x 1 2 on n3
            counter add c 3
            lock acquire l alice 5000 on n2
            stabilize
            get x on n3
            get x --local on n1
            counter get c on n2
            stabilize
            put x 3 on n1
            drop n1->*
            crash n1
            campaign n2
            stabilize
            get x on n3
            stabilize
            """)
        let outcomes = c.history.map(\.outcome)
        #expect(outcomes.count == 9)
        #expect(outcomes.filter { $0 == .unknown }.count == 1, "the put in flight when n1 crashed")
        let (result, line) = c.check()
        #expect(result == .linearizable, "\(line)")
        #expect(line.hasPrefix("check: linearizable [9 operations, 1 with unknown outcome]"))
    }

    // Reference: dissertation §6.4 and §6.2. The old leader n1 is isolated with check-quorum
    // (and so the leader lease) off: it keeps believing it leads. A linearizable read on it
    // needs a heartbeat round with a majority, which never comes: it stays pending (unknown),
    // and the history is still linearizable. A local read answers at once from n1's stale
    // state: the checker catches it.
    @Test("check says not linearizable for a stale read from an isolated old leader (leases off)")
    func staleRead() throws {
        var c = try SteppedClusterTests.cluster(seed: 4, checkQuorum: false)
        _ = c.run(script: """
            campaign n1
            stabilize
            put x 1
            stabilize
            partition n1
            campaign n2
            stabilize
            put x 2 on n2
            stabilize
            get x on n1
            stabilize
            """)
        #expect(c.machine("n1")?.raft?.isLeader == true, "the isolated old leader still believes it leads")
        #expect(c.check().result == .linearizable)
        #expect(c.run(.request(.get(key: "x", local: true), member: "n1")).map(\.description) == [
            "req-4 get x --local -> n1",
            "  n1 answers req-4 get x --local: ok 1 revision:2 applied:2",
        ])
        let (result, line) = c.check()
        #expect(!result.isLinearizable)
        #expect(line.hasPrefix("check: not linearizable (x)"))
        #expect(line.contains(#"get("x") -> "1": the register holds "2""#), "\(line)")
    }
}
