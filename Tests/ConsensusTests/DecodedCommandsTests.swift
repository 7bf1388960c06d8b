@testable import Consensus
import ConsensusCore
import Testing

/// ``DecodedCommands``: each entry's payload decoded once per member (issue 15, "decoding each
/// entry once"), never at the cost of applying a command that is not the entry's.
@Suite("Decoded commands")
struct DecodedCommandsTests {
    func command(_ key: String, _ value: ConsensusValue, sequence: UInt64 = 1) -> Command {
        Command(id: ProposalID(node: 7, sequence: sequence), time: 0, operation: .put(key: key, value: value))
    }

    func entry(_ command: Command, index: LogIndex, term: Term) throws -> Entry {
        Entry(term: term, index: index, data: try CommandCodec.encode(command, compressAbove: nil))
    }

    @Test("An entry remembered at append is applied without decoding, and then forgotten")
    func rememberedThenTaken() throws {
        var cache = DecodedCommands()
        let held = command("k", .int(1))
        // The payload says something else: only a cache hit returns `held`.
        let e = try entry(command("k", .int(2)), index: 5, term: 3)
        cache.remember(held, index: 5, term: 3)
        #expect(cache.command(of: e) == held)
        #expect(try cache.take(e) == held)
        #expect(cache.count == 0)
        // Taken once: a second take decodes the payload.
        #expect(try cache.take(e).operation == .put(key: "k", value: .int(2)))
    }

    @Test("Raft §5.3: an entry overwritten by a new leader (same index, other term) is decoded afresh, never served from the old slot")
    func overwrittenEntryMisses() throws {
        var cache = DecodedCommands()
        cache.remember(command("old", .int(1)), index: 9, term: 2)
        let replacement = try entry(command("new", .int(2), sequence: 2), index: 9, term: 4)
        #expect(cache.command(of: replacement)?.operation == .put(key: "new", value: .int(2)))
        #expect(try cache.take(replacement).operation == .put(key: "new", value: .int(2)))
    }

    @Test("An undecodable payload is not remembered, and applying it throws (every member skips it)")
    func undecodable() {
        var cache = DecodedCommands()
        let e = Entry(term: 1, index: 1, data: [0, 0x7b])
        #expect(cache.command(of: e) == nil)
        #expect(cache.count == 0)
        #expect(throws: CommandCodecError.self) { try cache.take(e) }
    }

    @Test("Bounded: entries appended and never applied here (a tail cut off) cannot grow it past its capacity; a snapshot forgets what it covers")
    func bounded() throws {
        var cache = DecodedCommands(capacity: 4)
        for i in 1...10 { cache.remember(command("k", .int(Int64(i)), sequence: UInt64(i)), index: LogIndex(i), term: 1) }
        #expect(cache.count <= 4)
        cache.forget(through: 9)
        #expect(cache.count == 1)
        #expect(try cache.take(try entry(command("x", .null), index: 10, term: 1)).operation == .put(key: "k", value: .int(10)))
    }

    @Test("Leader applies from memory, followers from the log: the same canonical state everywhere, and nothing left behind once applied")
    func sameStateEverywhere() throws {
        let h = NodeHarness(members: ["n1", "n2", "n3"], configuration: NodeStateMachineTests.raft())
        h.start()
        h.elect("n1")
        // 2.0 is a double in the leader's memory and the integer 2 after a trip through JSON.
        let values: [ConsensusValue] = [.double(2.0), .double(0.5), .array([.double(-0.0), .string("é")]), .object(["a": .double(1e300)])]
        for (i, v) in values.enumerated() {
            let (id, _) = h.request(i % 2 == 0 ? "n1" : "n2", .propose(.put(key: "k\(i)", value: v)))
            #expect(h.run(until: { $0.proposal(id) != nil }, maxTicks: 100))
            // The answer reports the value as stored, whichever member applied it from where.
            #expect(h.proposal(id)?.value == v.canonical)
        }
        h.run(ticks: 10)
        for (i, v) in values.enumerated() {
            let onLeader = h["n1"].store.get("k\(i)")?.value
            #expect(onLeader == v.canonical)
            for name in ["n2", "n3"] { #expect(h[name].store.get("k\(i)")?.value == onLeader) }
        }
        for name in ["n1", "n2", "n3"] { #expect(h[name].decoded.count == 0, "\(name) still holds decoded commands") }
    }

    @Test("A member that stops lets go of the commands it had decoded but not applied")
    func stopForgets() {
        let h = NodeHarness(members: ["n1", "n2", "n3"], configuration: NodeStateMachineTests.raft())
        h.start()
        h.elect("n1")
        // Proposed and remembered by the leader; not committed while the appends are undelivered.
        _ = h.request("n1", .propose(.put(key: "k", value: .int(1))))
        #expect(h["n1"].decoded.count == 1)
        _ = h.feed("n1", .stop)
        #expect(h["n1"].decoded.count == 0)
    }
}
