// The bounded subset-sum search behind CounterExactness: which sums of the unknown changes'
// delta vectors can be reached, one change at a time (each in or out), keeping only the sums
// from which the target is still within reach of the changes not yet considered.

extension CounterExactness {
    /// How a search for a subset summing to the target ended.
    enum SubsetSum: Equatable {
        /// Some subset sums to the target.
        case reachable
        /// None does.
        case unreachable
        /// More than the cap of distinct partial sums had to be kept: nothing was proven.
        case undecided(partialSums: Int)
    }

    /// Whether some subset of `vectors` (each taken whole or not at all) sums to `target`.
    ///
    /// The caller guarantees that no sum of magnitudes overflows (see `magnitudeMax`), so plain
    /// `Int64` arithmetic is exact here.
    /// - Parameters:
    ///   - target: the difference to make up, one entry per dimension.
    ///   - vectors: the candidate changes, each with `target.count` entries.
    ///   - cap: the most distinct partial sums kept at once.
    static func subsetSum(target: [Int64], vectors: [[Int64]], cap: Int) -> SubsetSum {
        let dimensions = target.count
        // lowest[i][d] / highest[i][d]: the least and most that vectors i... can still add on d.
        var lowest = Array(repeating: Array(repeating: Int64(0), count: dimensions), count: vectors.count + 1)
        var highest = lowest
        for i in vectors.indices.reversed() {
            for d in 0..<dimensions {
                lowest[i][d] = lowest[i + 1][d] + min(0, vectors[i][d])
                highest[i][d] = highest[i + 1][d] + max(0, vectors[i][d])
            }
        }
        func inReach(_ sum: [Int64], from i: Int) -> Bool {
            (0..<dimensions).allSatisfy { d in
                sum[d] + lowest[i][d] <= target[d] && target[d] <= sum[d] + highest[i][d]
            }
        }

        let zero = Array(repeating: Int64(0), count: dimensions)
        guard inReach(zero, from: 0) else { return .unreachable }
        var sums: Set<[Int64]> = [zero]
        for (i, vector) in vectors.enumerated() {
            if sums.contains(target) { return .reachable }
            var next: Set<[Int64]> = []
            for sum in sums {
                if inReach(sum, from: i + 1) { next.insert(sum) }
                let with = zip(sum, vector).map { $0 + $1 }
                if inReach(with, from: i + 1) { next.insert(with) }
                if next.count > cap { return .undecided(partialSums: next.count) }
            }
            if next.isEmpty { return .unreachable }
            sums = next
        }
        return sums.contains(target) ? .reachable : .unreachable
    }
}
