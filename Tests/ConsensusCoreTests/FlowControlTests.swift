import ConsensusCore
import ConsensusTesting
import Testing

@Suite("Pipelining, batching and flow control (dissertation §10.2.1)")
struct FlowControlTests {
    // Reference: dissertation §10.2.1 (pipelining) — the leader keeps sending without waiting,
    // but never more than maxInflightMessages unacknowledged appends per follower.
    @Test("§10.2.1 with maxInflightMessages = 2 the leader sends at most 2 appends before an ack")
    func inflightBound() throws {
        let c = electedCluster(options: options(maxInflight: 2))
        for i in 1...5 {
            try c.propose(1, "p\(i)")
            c.handleReadies()
        }
        #expect(appends(c.pending, from: 1, to: 2).count == 2)
        #expect(appends(c.pending, from: 1, to: 3).count == 2)
        // One round of acknowledgements from 2 reopens the window: the rest goes in one append.
        c.deliver(where: { $0.to == 2 })
        c.handleReadies()
        c.discard { $0.to == 3 }
        let before = c.history.count
        c.deliver(where: { $0.from == 2 })
        c.handleReadies()
        let more = appends(Array(c.history[before...]), from: 1, to: 2)
        #expect(more.count <= 2)
        #expect(more.flatMap { $0 }.map(\.index) == [4, 5, 6])
        c.heal()
        c.tick(1)
        c.stabilize()
        #expect(c.ids.allSatisfy { c.values($0) == ["p1", "p2", "p3", "p4", "p5"] })
    }

    // Reference: dissertation §10.2.1 (batching) — maxBytesPerMessage bounds each append.
    @Test("§10.2.1 maxBytesPerMessage bounds the entries in one append")
    func bytesBound() throws {
        let c = electedCluster(options: options(maxBytes: 300))
        c.isolate(3)
        let big = String(repeating: "x", count: 100)  // 124 bytes each with the header
        for i in 0..<6 { try c.propose(1, "\(i)" + big) }
        c.stabilize()
        c.heal()
        let before = c.history.count
        c.tick(1)
        c.stabilize()
        let sent = appends(Array(c.history[before...]), from: 1, to: 3)
        #expect(sent.count >= 3)
        for entries in sent {
            #expect(entries.count <= 2)
            #expect(entries.count == 1 || entries.reduce(0) { $0 + $1.byteCount } <= 300)
        }
        #expect(c.values(3) == c.values(1))
        #expect(c.values(3).count == 6)
    }

    // Reference: dissertation §10.2.1 (batching) — a batch of proposals becomes one append per
    // follower.
    @Test("§10.2.1 a batch of proposals becomes one append per follower")
    func batchIsOneAppend() throws {
        let c = electedCluster()
        let range = try c.propose(1, batch: ["a", "b", "c"])
        #expect(range == 2...4)
        c.handleReadies()
        #expect(c.pending.map(\.description) == [
            "1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2, 1/3, 1/4]",
            "1->3 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2, 1/3, 1/4]",
        ])
        c.stabilize()
        #expect(c.values(2) == ["a", "b", "c"])
    }

    // Reference: "put a limit on everything" (STYLE.md) — too many uncommitted entries are refused.
    @Test("§10.2.1 proposals beyond maxUncommittedEntries are refused as overloaded")
    func uncommittedBound() throws {
        var o = RaftOptions()
        o.maxUncommittedEntries = 3
        let c = electedCluster(options: o)
        c.isolate(2)
        c.isolate(3)
        try c.propose(1, batch: ["a", "b", "c"])
        #expect(throws: RaftError.overloaded) { try c.propose(1, "d") }
        c.heal()
        c.tick(1)
        c.stabilize()
        try c.propose(1, "d")
    }
}
