/// Whether a command's output matches its `expect` lines, and a readable diff when it does not.
public enum OutputMatch {
    /// Whether `lines` match `expected` one by one (`expect ...` takes any number of lines).
    /// Trailing spaces of output lines are ignored.
    public static func matches(_ lines: [String], _ expected: [RecipeScript.Expectation]) -> Bool {
        let lines = lines.map(trimmingTrailingSpaces)
        // memo[i][j]: whether lines[i...] match expected[j...].
        var memo: [[Bool?]] = Array(repeating: Array(repeating: nil, count: expected.count + 1), count: lines.count + 1)
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i][j] { return known }
            let result: Bool
            if j == expected.count {
                result = i == lines.count
            } else if case .anyLines = expected[j] {
                result = match(i, j + 1) || (i < lines.count && match(i + 1, j))
            } else {
                result = i < lines.count && matchesLine(lines[i], expected[j]) && match(i + 1, j + 1)
            }
            memo[i][j] = result
            return result
        }
        return match(0, 0)
    }

    static func matchesLine(_ line: String, _ expectation: RecipeScript.Expectation) -> Bool {
        switch expectation {
        case .exact(let text): return line == text
        case .pattern(let regex): return (try? Regex(regex).wholeMatch(in: line)) != nil
        case .anyLines: return true
        }
    }

    static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " || line.last == "\t" { line.removeLast() }
        return line
    }

    /// Where the output parts from the expect lines: the lines that matched, as `  line`, then
    /// the first expect line that did not hold as `- expect ...` and the output line in its
    /// place as `+ line`, then how much is left of each.
    public static func diff(_ lines: [String], _ expected: [RecipeScript.Expectation]) -> [String] {
        let lines = lines.map(trimmingTrailingSpaces)
        let n = lines.count, m = expected.count
        // Every (line, expectation) position some way of matching reaches; keep the one that got
        // furthest into the output (and, at the same line, into the expect lines).
        var seen = Set<[Int]>()
        var stack = [[0, 0]]
        var best = [0, 0]
        var path: [[Int]: [Int]] = [:]
        while let state = stack.popLast() {
            guard seen.insert(state).inserted else { continue }
            let (i, j) = (state[0], state[1])
            if i > best[0] || (i == best[0] && j > best[1]) { best = state }
            var next: [[Int]] = []
            if j < m, case .anyLines = expected[j] {
                next.append([i, j + 1])
                if i < n { next.append([i + 1, j]) }
            } else if i < n, j < m, matchesLine(lines[i], expected[j]) {
                next.append([i + 1, j + 1])
            }
            for s in next where !seen.contains(s) {
                if path[s] == nil { path[s] = state }
                stack.append(s)
            }
        }
        var out = lines[..<best[0]].map { "  " + $0 }
        var j = best[1]
        while j < m, case .anyLines = expected[j] { j += 1 }
        out.append(j < m ? "- " + expected[j].description : "- (no more expect lines)")
        out.append(best[0] < n ? "+ " + lines[best[0]] : "+ (no more output)")
        let linesLeft = max(0, n - best[0] - 1), expectLeft = max(0, m - j - 1)
        if linesLeft + expectLeft > 0 { out.append("  (then \(linesLeft) more output lines and \(expectLeft) more expect lines)") }
        return out
    }
}
