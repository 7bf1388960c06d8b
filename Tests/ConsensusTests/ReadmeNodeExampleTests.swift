import Consensus
import Testing

/// The README's "Driving a member" snippet, run as written, then driven to its answer.
@Suite("README: driving a member")
struct ReadmeNodeExampleTests {
    @Test("The snippet runs; a one-member cluster elects itself and answers the proposal once it is durable and applied")
    func snippet() throws {
        var member = NodeStateMachine(nodeID: "n1", configuration: .raft(), seed: 42)
        var directives = member.handle(.start(nil), at: .zero)     // nil: empty storage, found the cluster
        #expect(directives.contains { if case .persist = $0 { true } else { false } })
        directives = member.handle(.persisted, at: .milliseconds(1))
        directives = member.handle(.request(RequestID(1), .propose(.put(key: "k", value: 1))), at: .milliseconds(2))
        #expect(!directives.contains { if case .answer = $0 { true } else { false } }, "no leader yet: the proposal waits")

        // The shell's duties: tick, and acknowledge every persist.
        var now = Duration.milliseconds(2)
        var answer: ProposalResult?
        for _ in 0..<200 where answer == nil {
            now += member.configuration.tickInterval
            var pending = member.handle(.tick, at: now)
            while !pending.isEmpty {
                var next: [NodeDirective] = []
                for d in pending {
                    switch d {
                    case .persist: next += member.handle(.persisted, at: now)
                    case .answer(RequestID(1), .success(.proposal(let p))): answer = p
                    default: break
                    }
                }
                pending = next
            }
        }
        let result = try #require(answer)
        #expect(result.accepted && result.key == "k")
        #expect(member.localRead("k").value == 1)
    }
}
