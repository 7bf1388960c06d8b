/// Checks that counters end exactly where the changes sent to them put them: every acknowledged
/// change counted once, every unknown one once or not at all, each batch whole.
///
/// The final values must equal the sum of the acknowledged deltas plus the sum of some subset of
/// the unknown changes. That is a subset-sum question over difference vectors (one entry per
/// counter), answered by a bounded search: the reachable sums of the unknown changes are built one
/// change at a time, keeping only the sums from which the target is still within reach, and at
/// most ``reachableDifferencesMax`` of them. Past that cap the answer is
/// ``CounterExactnessResult/undecided(counters:explanation:)``, never a pass. Counters that no
/// unknown change ties together are checked separately (a batch ties its counters).
///
/// ```swift
/// let changes = [
///     CounterChange(["c0": 10], outcome: .acknowledged),
///     CounterChange(["c0": 1], outcome: .unknown),
///     CounterChange(["c0": 5], outcome: .unknown),
/// ]
/// let result = CounterExactness().check(changes, final: ["c0": 13])
/// // .inexact(counters: ["c0"], explanation: "c0 is 13; acknowledged changes sum to 10;
/// // no subset of the 2 unknown changes to c0 (+1, +5) adds +3")
/// ```
public struct CounterExactness: Sendable {
    /// The most distinct partial sums the search keeps at once; beyond, the result is
    /// ``CounterExactnessResult/undecided(counters:explanation:)``.
    public var reachableDifferencesMax: Int

    /// The most counters, and the most changes per list, named in an explanation.
    static let explainedMax = 8
    /// The most alternative targets tried when looking for a likely cause of a fault.
    static let causesTriedMax = 16

    /// Creates a checker.
    /// - Parameter reachableDifferencesMax: the most distinct partial sums kept by the search.
    public init(reachableDifferencesMax: Int = 100_000) {
        precondition(reachableDifferencesMax > 0, "the cap on reachable differences must be positive")
        self.reachableDifferencesMax = reachableDifferencesMax
    }

    /// Checks final counter values against the changes sent.
    /// - Parameters:
    ///   - changes: every change that was acknowledged or whose outcome is unknown, in any order
    ///     (their positions name them in the explanation: `#3`). Changes known to have failed are
    ///     left out.
    ///   - final: the values read from the store at the end; a missing counter is 0.
    /// - Returns: ``CounterExactnessResult/exact``, or what is wrong with which counters, or
    ///   ``CounterExactnessResult/undecided(counters:explanation:)`` if the search hit its cap.
    public func check(_ changes: [CounterChange], final: [String: Int64]) -> CounterExactnessResult {
        let changes = changes.map { change in
            CounterChange(change.deltas.filter { $0.value != 0 }, outcome: change.outcome)
        }
        var names = Set(final.keys)
        for change in changes { names.formUnion(change.deltas.keys) }
        let counters = names.sorted()

        let tooLarge = counters.filter { !Self.fitsInt64(changes, final: final, counter: $0) }
        if !tooLarge.isEmpty {
            return .undecided(
                counters: tooLarge,
                explanation: "the values and deltas of \(tooLarge.joined(separator: ", ")) are too large to sum exactly in Int64")
        }
        let problem = Problem(changes: changes, final: final, cap: reachableDifferencesMax)

        // Each counter alone: the sum of its own unknown deltas must make up its difference.
        var failing: [String] = []
        var undecided: [String: Int] = [:]
        for counter in counters {
            switch problem.search([counter], target: [problem.difference(counter)], unknown: problem.unknownTouching([counter])) {
            case .reachable: continue
            case .unreachable: failing.append(counter)
            case .undecided(let partialSums): undecided[counter] = partialSums
            }
        }
        var lines = failing.map { problem.explainCounter($0, failing: Set(failing)) }
        var faulty = failing

        // Counters tied by unknown batches: together, with each batch whole.
        for component in problem.components() where component.count > 1 && Set(component).isDisjoint(with: failing) {
            let unknown = problem.unknownTouching(component)
            switch problem.search(component, target: component.map(problem.difference), unknown: unknown) {
            case .reachable:
                component.forEach { undecided[$0] = nil }
            case .unreachable:
                component.forEach { undecided[$0] = nil }
                faulty += component
                lines.append(problem.explainTogether(component, unknown: unknown))
            case .undecided(let partialSums):
                for counter in component { undecided[counter] = max(undecided[counter] ?? 0, partialSums) }
            }
        }

        if !lines.isEmpty {
            let shown = lines.prefix(Self.explainedMax)
            let more = lines.count > shown.count ? ["... and \(lines.count - shown.count) more"] : []
            return .inexact(counters: faulty.sorted(), explanation: (shown + more).joined(separator: "\n"))
        }
        if !undecided.isEmpty {
            let names = undecided.keys.sorted()
            let explored = undecided.values.max()!
            return .undecided(
                counters: names,
                explanation: "\(names.joined(separator: ", ")): the search kept \(explored) partial sums of the unknown changes, "
                    + "more than its cap of \(reachableDifferencesMax); raise reachableDifferencesMax or leave fewer outcomes unknown")
        }
        return .exact
    }

    /// `true` if `|final| + 2 * (sum of |delta|)` fits in `Int64` for `counter`: then every sum,
    /// difference and shifted target the search computes is exact.
    static func fitsInt64(_ changes: [CounterChange], final: [String: Int64], counter: String) -> Bool {
        var total = (final[counter] ?? 0).magnitude
        for change in changes {
            guard let delta = change.deltas[counter] else { continue }
            for _ in 0..<2 {
                let (sum, overflow) = total.addingReportingOverflow(delta.magnitude)
                if overflow { return false }
                total = sum
            }
        }
        return total <= UInt64(Int64.max)
    }
}
