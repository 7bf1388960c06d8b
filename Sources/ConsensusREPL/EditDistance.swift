/// Levenshtein distance and the "did you mean" suggestion built on it.
enum EditDistance {
    /// The fewest single-character insertions, deletions and substitutions from `a` to `b`.
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a likely typo (at most 2
    /// edits, and fewer than the word's length), or one that `word` begins.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { (candidate: $0, distance: between(word, $0)) }
        if let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= 2, best.distance < word.count {
            return best.candidate
        }
        return candidates.first { $0.hasPrefix(word) && !word.isEmpty }
    }
}
