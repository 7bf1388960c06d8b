// The facts CounterExactness works from (the sums of the acknowledged deltas, the unknown changes
// on each counter) and the words for what is wrong: the values, what the acknowledged changes sum
// to, what the unknown changes cannot make up, and a likely cause when one fits.

extension CounterExactness {
    /// One check's input, with the acknowledged sums worked out.
    struct Problem {
        let changes: [CounterChange]
        let final: [String: Int64]
        let cap: Int
        /// The sum of the acknowledged deltas of each counter.
        let acknowledgedSum: [String: Int64]

        init(changes: [CounterChange], final: [String: Int64], cap: Int) {
            self.changes = changes
            self.final = final
            self.cap = cap
            var sums: [String: Int64] = [:]
            for change in changes where change.outcome == .acknowledged {
                for (counter, delta) in change.deltas { sums[counter, default: 0] += delta }
            }
            acknowledgedSum = sums
        }

        /// What the unknown changes must make up on `counter`: final value minus acknowledged sum.
        func difference(_ counter: String) -> Int64 {
            (final[counter] ?? 0) - (acknowledgedSum[counter] ?? 0)
        }

        /// The positions of the unknown changes that touch any of `counters`.
        func unknownTouching(_ counters: [String]) -> [Int] {
            changes.indices.filter { index in
                changes[index].outcome == .unknown && counters.contains { changes[index].deltas[$0] != nil }
            }
        }

        /// The positions of the acknowledged changes that touch `counter`.
        func acknowledgedTouching(_ counter: String) -> [Int] {
            changes.indices.filter { changes[$0].outcome == .acknowledged && changes[$0].deltas[counter] != nil }
        }

        /// Whether some subset of the changes at `unknown`, projected on `counters`, adds `target`.
        /// `split` changes count each of their counters as a separate change (a batch torn apart).
        func search(_ counters: [String], target: [Int64], unknown: [Int], split: Int? = nil) -> SubsetSum {
            var vectors: [[Int64]] = []
            for index in unknown {
                let vector = counters.map { changes[index].deltas[$0] ?? 0 }
                if index == split {
                    for d in vector.indices where vector[d] != 0 {
                        var part = Array(repeating: Int64(0), count: vector.count)
                        part[d] = vector[d]
                        vectors.append(part)
                    }
                } else {
                    vectors.append(vector)
                }
            }
            return CounterExactness.subsetSum(target: target, vectors: vectors, cap: cap)
        }

        /// The groups of counters tied together by unknown batches, each sorted, in name order.
        func components() -> [[String]] {
            var parent: [String: String] = [:]
            func root(_ counter: String) -> String {
                var current = counter
                while let up = parent[current], up != current { current = up }
                return current
            }
            for change in changes where change.outcome == .unknown {
                let names = change.deltas.keys.sorted()
                for name in names where parent[name] == nil { parent[name] = name }
                for name in names.dropFirst() {
                    let (a, b) = (root(names[0]), root(name))
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
            var groups: [String: [String]] = [:]
            for counter in parent.keys { groups[root(counter), default: []].append(counter) }
            return groups.keys.sorted().map { groups[$0]!.sorted() }
        }

        /// Why `counter` alone cannot be explained, with a likely cause if one fits. `failing`
        /// are all the counters that cannot, to tell a torn acknowledged batch from a lost one.
        func explainCounter(_ counter: String, failing: Set<String>) -> String {
            let target = difference(counter)
            let unknown = unknownTouching([counter])
            var text = "\(counter) is \(final[counter] ?? 0); acknowledged changes sum to \(acknowledgedSum[counter] ?? 0)"
            if unknown.isEmpty {
                text += " and no unknown change touches it: " + (target < 0 ? "\(-target) short" : "\(target) too many")
            } else {
                let deltas = CounterExactness.list(unknown.map { CounterExactness.signed(changes[$0].deltas[counter]!) })
                text += "; no subset of the \(CounterExactness.count(unknown.count, "unknown change")) to \(counter) "
                    + "(\(deltas)) adds \(CounterExactness.signed(target))"
            }
            if let cause = likelyCause(counter, target: target, unknown: unknown, failing: failing) {
                text += ", as if " + cause
            }
            return text
        }

        /// An acknowledged change lost or counted twice, or an unknown one applied twice, that
        /// would explain `counter`'s value; `nil` if none of the first few tried does.
        private func likelyCause(_ counter: String, target: Int64, unknown: [Int], failing: Set<String>) -> String? {
            let fits = { (shift: Int64) in
                search([counter], target: [target + shift], unknown: unknown) == .reachable
            }
            let acknowledged = distinctByDelta(acknowledgedTouching(counter), counter)
            for index in acknowledged where fits(changes[index].deltas[counter]!) {
                let others = changes[index].deltas.keys.filter { $0 != counter }
                if !others.isEmpty && failing.isDisjoint(with: others) {
                    return "acknowledged batch \(describe(index)) lost its \(counter) part: a batch applied in part"
                }
                return "acknowledged change \(describe(index)) were lost"
            }
            for index in acknowledged where fits(-changes[index].deltas[counter]!) {
                return "acknowledged change \(describe(index)) were counted twice"
            }
            for index in distinctByDelta(unknown, counter) where fits(-changes[index].deltas[counter]!) {
                return "unknown change \(describe(index)) were applied twice"
            }
            return nil
        }

        /// The first of `indices` for each distinct delta on `counter`, at most `causesTriedMax`.
        private func distinctByDelta(_ indices: [Int], _ counter: String) -> [Int] {
            var seen: Set<Int64> = []
            return Array(indices.filter { seen.insert(changes[$0].deltas[counter]!).inserted }.prefix(CounterExactness.causesTriedMax))
        }

        /// Why `counters`, each explained alone, cannot be explained together, with the unknown
        /// batch that would explain them if applied in part, if one does.
        func explainTogether(_ counters: [String], unknown: [Int]) -> String {
            let target = counters.map(difference)
            let values = counters.map { "\($0) is \(final[$0] ?? 0)" }.joined(separator: ", ")
            let sums = counters.map { "\($0): \(acknowledgedSum[$0] ?? 0)" }.joined(separator: ", ")
            let needed = zip(counters, target).map { "\($0): \(CounterExactness.signed($1))" }.joined(separator: ", ")
            let shown = CounterExactness.list(unknown.map(describe))
            var text = "\(values); acknowledged changes sum to \(sums); each counter alone is explained, but no subset of the "
                + "\(CounterExactness.count(unknown.count, "unknown change")) to them (\(shown)), each batch whole, adds \(needed)"
            let batches = unknown.filter { changes[$0].deltas.count > 1 }.prefix(CounterExactness.causesTriedMax)
            if let torn = batches.first(where: { search(counters, target: target, unknown: unknown, split: $0) == .reachable }) {
                text += ", as if unknown batch \(describe(torn)) were applied in part"
            }
            return text
        }

        /// `#3 (+1)` for a single add, `#3 (a: +1, b: +2)` for a batch.
        func describe(_ index: Int) -> String {
            let deltas = changes[index].deltas
            if deltas.count == 1, let delta = deltas.first?.value { return "#\(index) (\(CounterExactness.signed(delta)))" }
            let parts = deltas.sorted { $0.key < $1.key }.map { "\($0.key): \(CounterExactness.signed($0.value))" }
            return "#\(index) (\(parts.joined(separator: ", ")))"
        }
    }

    /// `+1`, `-3`, `+0`.
    static func signed(_ value: Int64) -> String {
        value < 0 ? String(value) : "+\(value)"
    }

    /// `1 unknown change`, `2 unknown changes`.
    static func count(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)" + (count == 1 ? "" : "s")
    }

    /// The first `explainedMax` items joined by commas, and how many more.
    static func list(_ items: [String]) -> String {
        let shown = items.prefix(explainedMax).joined(separator: ", ")
        return items.count > explainedMax ? shown + ", ... \(items.count - explainedMax) more" : shown
    }
}
