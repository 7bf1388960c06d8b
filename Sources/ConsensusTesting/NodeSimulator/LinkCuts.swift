/// Which one-way links between members (by index) a partition cuts. Shared by the node
/// simulator's seeded network and the step mode's hand-driven one.
struct LinkCuts: Sendable, Hashable {
    private struct Link: Hashable {
        var from: Int
        var to: Int
    }

    private var cut: Set<Link> = []

    /// Whether a message from `from` to `to` is lost to a partition.
    func isCut(_ from: Int, _ to: Int) -> Bool { cut.contains(Link(from: from, to: to)) }

    /// Whether any link is cut.
    var isEmpty: Bool { cut.isEmpty }

    /// Cuts every link between the two sides, both ways.
    mutating func partition(_ a: [Int], _ b: [Int]) {
        for x in a { for y in b { cut.insert(Link(from: x, to: y)); cut.insert(Link(from: y, to: x)) } }
    }

    /// Restores every link.
    mutating func healAll() { cut = [] }
}
