import Consensus
import ConsensusRecipes
import ConsensusTesting
import Testing

// How a recipe reads what became of a proposal: by the stable error code, never by its text.
// The step machines decide on a `ProposalOutcome`; these tests pin down how the runtime's
// `ProposalResult` (and a thrown `ConsensusError`) becomes one.

@Suite("Step machine input: ProposalOutcome (classifying a runtime ProposalResult by its error code)")
struct ProposalOutcomeStepTests {
    /// A runtime result as the node builds it: an answer from the state machine, or an error.
    static func result(error: String? = nil, code: ConsensusErrorCode? = nil, index: UInt64? = nil,
                       answer: OperationResult? = nil) -> ProposalResult {
        ProposalResult(proposalID: "1-1", accepted: answer?.succeeded ?? false, key: "k", value: nil,
                       votes: .init(for: 0, against: 0, total: 3), quorumRequired: 2,
                       error: error, errorCode: code, index: index, result: answer)
    }

    /// The result the node builds for `error`: its text for people, its code for programs.
    static func failed(_ error: ConsensusError) -> ProposalResult {
        result(error: error.description, code: error.code)
    }

    @Test("a state machine answer is applied at its index, even a failed comparison that carries an error text")
    func answerIsApplied() {
        #expect(ProposalOutcome(Self.result(index: 12, answer: .put(previous: nil))) == .applied(.put(previous: nil), index: 12))
        let failed = OperationResult.compareAndSwap(succeeded: false, current: .int(3))
        #expect(ProposalOutcome(Self.result(error: "comparison failed", index: 13, answer: failed)) == .applied(failed, index: 13))
        let refused = OperationResult.rejected(reason: "invalid key")
        #expect(ProposalOutcome(Self.result(error: "invalid key", index: 14, answer: refused)) == .applied(refused, index: 14))
    }

    @Test("an answer without an index is applied at index 0")
    func answerWithoutIndex() {
        #expect(ProposalOutcome(Self.result(answer: .counter(values: ["a": 1]))) == .applied(.counter(values: ["a": 1]), index: 0))
    }

    @Test("refused before the log: notApplied, carrying the error's text",
          arguments: [ConsensusError.noQuorum, .overloaded,
                      .invalidArgument("cannot encode the command: too deep"),
                      .invalidArgument("\"_cluster/x\" is under the reserved prefix"),
                      .rejected(reason: "proposal too large"), .unsupported("compare-and-swap on simple_majority"),
                      .notLeader(leader: nil), .notLeader(leader: "n2")])
    func refusedEarlyIsNotApplied(error: ConsensusError) {
        #expect(ProposalOutcome(Self.failed(error)) == .notApplied(error.description))
    }

    @Test("timed out, or the member stopped or halted while it was in flight: unknown (it may still be applied)",
          arguments: [ConsensusError.timedOut, .notRunning, .storage("disk full")])
    func inFlightErrorsAreUnknown(error: ConsensusError) {
        #expect(ProposalOutcome(Self.failed(error)) == .unknown(error.description))
    }

    @Test("the text does not matter: a refusal's code with a timeout's text is notApplied, and the reverse unknown")
    func codeNotText() {
        let timeoutText = ConsensusError.timedOut.description
        #expect(ProposalOutcome(Self.result(error: timeoutText, code: .noQuorum)) == .notApplied(timeoutText))
        let quorumText = ConsensusError.noQuorum.description
        #expect(ProposalOutcome(Self.result(error: quorumText, code: .timeout)) == .unknown(quorumText))
        // An error text without a code says nothing about the outcome.
        #expect(ProposalOutcome(Self.result(error: quorumText)) == .unknown(quorumText))
    }

    @Test("every code is classified as the error's mayHaveTakenEffect says, except stopped and storage (in flight)",
          arguments: ConsensusErrorCode.allCases)
    func everyCode(code: ConsensusErrorCode) {
        let outcome = ProposalOutcome(Self.result(error: "e", code: code))
        let unknown = code == .timeout || code == .stopped || code == .storage
        #expect(outcome == (unknown ? .unknown("e") : .notApplied("e")))
    }

    @Test("a code without a text carries the code's spelling")
    func codeWithoutText() {
        #expect(ProposalOutcome(Self.result(code: .overloaded)) == .notApplied("overloaded"))
    }

    @Test("neither an answer nor an error: unknown, \"no answer\"")
    func nothingIsUnknown() {
        #expect(ProposalOutcome(Self.result()) == .unknown("no answer"))
    }
}

@Suite("Recipes on a member that is not running: nothing was sent, so notApplied (issue 10)")
struct StoppedMemberRecipeTests {
    static let notRunning = ConsensusError.notRunning.description

    @Test("a member never started: compare-and-swap and counter calls fail with notApplied, not outcomeUnknown")
    func neverStarted() async {
        let node = ConsensusTrait(nodeID: "solo", configuration: .fastRaft())
        await #expect(throws: RecipeError.notApplied(key: "k", reason: Self.notRunning)) {
            try await CompareAndSwap(on: node).swap("k", expected: nil, new: 1)
        }
        await #expect(throws: RecipeError.notApplied(key: "c", reason: Self.notRunning)) {
            try await AtomicCounter("c", on: node).increment()
        }
    }

    @Test("a member stopped after it ran: the same, and a later start serves the recipe again")
    func stopped() async throws {
        // In virtual time: the restarted member's election and the swap's deadline move with
        // what the member does, never with how busy the machine is (in real time, a loaded
        // run once let the 10 s proposal deadline pass before the solo member elected itself).
        try await withVirtualTime { clock in
            let node = ConsensusTrait(nodeID: "solo", configuration: .fastRaft(), clock: clock)
            try await node.start()
            await node.stop()
            await #expect(throws: RecipeError.notApplied(key: "k", reason: Self.notRunning)) {
                try await CompareAndSwap(on: node).swap("k", expected: nil, new: 1)
            }
            await #expect(throws: RecipeError.notApplied(key: "c", reason: Self.notRunning)) {
                try await AtomicCounter("c", on: node).add(5)
            }
            try await node.start()
            let restarted: Result<CompareAndSwap.Outcome, any Error>
            do { restarted = .success(try await CompareAndSwap(on: node).swap("k", expected: nil, new: 1)) } catch { restarted = .failure(error) }
            await node.stop()
            #expect((try? restarted.get())?.swapped == true, "nothing was applied while stopped, so the key is absent and the swap wins: \(restarted)")
        }
    }
}
