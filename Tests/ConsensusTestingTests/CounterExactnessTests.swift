@testable import ConsensusTesting
import Testing

/// Counter exactness at the end of a counter workload: the final values are the acknowledged
/// changes plus some subset of the unknown ones, each batch whole. Lost and double-counted
/// increments, torn batches and unexplainable values are caught; a search past its cap is
/// undecided, never a pass.
@Suite("Counter exactness")
struct CounterExactnessTests {
    let checker = CounterExactness()

    func acknowledged(_ deltas: [String: Int64]) -> CounterChange { CounterChange(deltas, outcome: .acknowledged) }
    func unknown(_ deltas: [String: Int64]) -> CounterChange { CounterChange(deltas, outcome: .unknown) }

    /// Expects an inexact verdict on `counters`, and returns its explanation.
    func expectInexact(
        _ changes: [CounterChange], final: [String: Int64], counters: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        let result = checker.check(changes, final: final)
        guard case .inexact(let caught, let explanation) = result else {
            Issue.record("expected \(counters) not exact, got \(result)", sourceLocation: sourceLocation)
            return ""
        }
        #expect(caught == counters, sourceLocation: sourceLocation)
        #expect(!result.isExact, sourceLocation: sourceLocation)
        return explanation
    }

    @Test("Acknowledged changes only, no unknowns: the sums are exact")
    func exactWithoutUnknowns() {
        let changes = [
            acknowledged(["c0": 1]), acknowledged(["c0": 4]), acknowledged(["c1": -2]),
            acknowledged(["c0": 2, "c1": 3]),
        ]
        #expect(checker.check(changes, final: ["c0": 7, "c1": 1]) == .exact)
        // A counter nobody changed and nobody read is 0; a read of 0 is the same.
        #expect(checker.check([], final: ["c9": 0]) == .exact)
        #expect(checker.check([], final: [:]).isExact)
    }

    @Test("A lost acknowledged increment is caught and named")
    func lostAcknowledgedIncrement() {
        let changes = [acknowledged(["c0": 1]), acknowledged(["c0": 1]), acknowledged(["c0": 3])]
        let explanation = expectInexact(changes, final: ["c0": 2], counters: ["c0"])
        #expect(explanation == "c0 is 2; acknowledged changes sum to 5 and no unknown change touches it: 3 short, "
            + "as if acknowledged change #2 (+3) were lost", "\(explanation)")
        // A missing counter reads as 0: every acknowledged add to it was lost.
        let gone = expectInexact([acknowledged(["c1": 4])], final: [:], counters: ["c1"])
        #expect(gone.contains("c1 is 0; acknowledged changes sum to 4"), "\(gone)")
    }

    @Test("A double-counted acknowledged increment (a retried add applied twice) is caught and named")
    func doubleCountedIncrement() {
        let changes = [acknowledged(["c0": 1]), acknowledged(["c0": 5]), unknown(["c0": 2])]
        let explanation = expectInexact(changes, final: ["c0": 11], counters: ["c0"])
        #expect(explanation.contains("c0 is 11; acknowledged changes sum to 6; no subset of the 1 unknown change to c0 (+2) adds +5"),
                "\(explanation)")
        #expect(explanation.contains("as if acknowledged change #1 (+5) were counted twice"), "\(explanation)")
        // An unknown change applied twice (a retry of a timed-out add) is named too.
        let twice = expectInexact([acknowledged(["c0": 1]), unknown(["c0": 7])], final: ["c0": 15], counters: ["c0"])
        #expect(twice.contains("as if unknown change #1 (+7) were applied twice"), "\(twice)")
    }

    @Test("Some subset of the unknown changes took effect: accepted")
    func subsetOfUnknownsAccepted() {
        let changes = [
            acknowledged(["c0": 10]),
            unknown(["c0": 1]), unknown(["c0": 5]), unknown(["c0": 2]),
            unknown(["c0": 3, "c1": 3]), acknowledged(["c1": 1]),
        ]
        // c0: 10 + 5 + 3 (the batch); c1: 1 + 3 (the same batch, whole).
        #expect(checker.check(changes, final: ["c0": 18, "c1": 4]) == .exact)
        // None took effect, or all did.
        #expect(checker.check(changes, final: ["c0": 10, "c1": 1]) == .exact)
        #expect(checker.check(changes, final: ["c0": 21, "c1": 4]) == .exact)
    }

    @Test("A value no subset of the unknown changes explains is caught, with the deltas listed")
    func unexplainedValue() {
        let changes = [acknowledged(["c0": 10]), unknown(["c0": 1]), unknown(["c0": 5])]
        let explanation = expectInexact(changes, final: ["c0": 13], counters: ["c0"])
        #expect(explanation == "c0 is 13; acknowledged changes sum to 10; no subset of the 2 unknown changes to c0 (+1, +5) adds +3",
                "\(explanation)")
        // At 12, the +1 applied twice would explain it, and the explanation says so.
        let twice = expectInexact(changes, final: ["c0": 12], counters: ["c0"])
        #expect(twice.hasSuffix("adds +2, as if unknown change #1 (+1) were applied twice"), "\(twice)")
    }

    @Test("A torn acknowledged batch (only one of its counters changed) is caught")
    func tornAcknowledgedBatch() {
        let changes = [acknowledged(["a": 1, "b": 1])]
        let explanation = expectInexact(changes, final: ["a": 1, "b": 0], counters: ["b"])
        #expect(explanation.contains("as if acknowledged batch #0 (a: +1, b: +1) lost its b part: a batch applied in part"),
                "\(explanation)")
    }

    @Test("A torn unknown batch is caught even though each counter alone is explained")
    func tornUnknownBatch() {
        let changes = [acknowledged(["a": 2]), unknown(["a": 1, "b": 1]), unknown(["c": 4])]
        #expect(checker.check(changes, final: ["a": 3, "b": 1, "c": 4]) == .exact)
        #expect(checker.check(changes, final: ["a": 2, "b": 0, "c": 0]) == .exact)
        let explanation = expectInexact(changes, final: ["a": 3, "b": 0, "c": 4], counters: ["a", "b"])
        #expect(explanation.contains("each counter alone is explained, but no subset of the 1 unknown change to them "
            + "(#1 (a: +1, b: +1)), each batch whole, adds a: +1, b: +0"), "\(explanation)")
        #expect(explanation.contains("as if unknown batch #1 (a: +1, b: +1) were applied in part"), "\(explanation)")
    }

    @Test("Past the cap on reachable differences the verdict is undecided, never exact")
    func capYieldsUndecided() {
        // Unknown deltas of mixed signs and distinct sizes: the partial sums cannot be pruned
        // and double with each change.
        var changes = (0..<10).map { unknown(["c0": Int64(1) << $0]) }
        changes += (0..<10).map { unknown(["c0": -(Int64(3) << $0)]) }
        let final: [String: Int64] = ["c0": -1_000] // 2 - 3 * 334
        let capped = CounterExactness(reachableDifferencesMax: 100).check(changes, final: final)
        guard case .undecided(let counters, let explanation) = capped else {
            Issue.record("expected undecided, got \(capped)")
            return
        }
        #expect(counters == ["c0"])
        #expect(!capped.isExact)
        #expect(explanation.contains("more than its cap of 100"), "\(explanation)")
        #expect(capped.description.contains("failure"))
        // With room to search, the same question has an answer.
        #expect(checker.check(changes, final: final) == .exact)
    }

    @Test("Counters whose values are too large to sum exactly are undecided, not wrapped")
    func overflowIsUndecided() {
        let changes = [acknowledged(["c0": .max]), acknowledged(["c0": 1])]
        let result = checker.check(changes, final: ["c0": .min])
        guard case .undecided(let counters, _) = result else {
            Issue.record("expected undecided, got \(result)")
            return
        }
        #expect(counters == ["c0"])
    }

    @Test("The documentation example of CounterExactness gives the verdict its comment shows")
    func documentationExample() {
        let changes = [
            CounterChange(["c0": 10], outcome: .acknowledged),
            CounterChange(["c0": 1], outcome: .unknown),
            CounterChange(["c0": 5], outcome: .unknown),
        ]
        let result = CounterExactness().check(changes, final: ["c0": 13])
        #expect(result == .inexact(
            counters: ["c0"],
            explanation: "c0 is 13; acknowledged changes sum to 10; no subset of the 2 unknown changes to c0 (+1, +5) adds +3"))
    }

    @Test("Zero deltas change nothing and tie no counters together")
    func zeroDeltasIgnored() {
        let changes = [acknowledged(["a": 1, "b": 0]), unknown(["a": 0, "b": 0])]
        #expect(checker.check(changes, final: ["a": 1]) == .exact)
    }
}
