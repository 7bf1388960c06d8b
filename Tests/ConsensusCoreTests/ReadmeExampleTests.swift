import ConsensusCore
import Testing

/// The README's "Driving the core" snippet, kept compiling and true.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test("Driving the core: tick, ready, advance")
    func drivingTheCore() {
        var node = Raft(id: 1, storage: .bootstrap(voters: [1, 2, 3]), random: SplitMix64(seed: 42))
        node.tick()                        // time passes in ticks you define
        let rd = node.ready()
        // persist rd.entries / rd.hardState, send rd.messages, apply rd.committedEntries ...
        node.advance(rd)
        // After an election timeout the node asks its peers for (pre-)votes.
        var asked: [Message] = []
        for _ in 0..<node.options.electionTicksMax {
            node.tick()
            let rd = node.ready()
            asked += rd.messages
            node.advance(rd)
        }
        #expect(asked.map(\.to).sorted() == [2, 3])
        #expect(asked.allSatisfy { if case .preVote = $0.kind { true } else { false } })
    }
}
