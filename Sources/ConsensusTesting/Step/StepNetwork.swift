import ConsensusNetwork

/// The step mode's network: messages wait in flight, in the order they were sent, until the
/// learner delivers or drops them; partitions cut links (``LinkCuts``, as in the node
/// simulator). The failure detector's pings and pongs travel apart, in ``background``, and are
/// delivered by the network itself at the end of each command.
struct StepNetwork: Sendable {
    struct InFlight: Sendable, Hashable {
        var from: Int
        var to: Int
        var message: PeerMessage
    }

    /// Messages the learner moves, oldest first.
    private(set) var queue: [InFlight] = []
    /// Pings and pongs, oldest first.
    private(set) var background: [InFlight] = []
    private(set) var cuts = LinkCuts()

    /// Whether the failure detector's traffic carries `message` (it travels in the background).
    static func isBackground(_ message: PeerMessage) -> Bool {
        switch message {
        case .ping, .pong: return true
        default: return false
        }
    }

    /// Puts a message on the wire; returns `false` (and keeps nothing) when a partition cuts its link.
    mutating func send(_ m: InFlight) -> Bool {
        if cuts.isCut(m.from, m.to) { return false }
        if Self.isBackground(m.message) { background.append(m) } else { queue.append(m) }
        return true
    }

    func isCut(_ from: Int, _ to: Int) -> Bool { cuts.isCut(from, to) }

    /// Takes the messages in flight that `matches` selects, oldest first; the others stay.
    mutating func take(where matches: (InFlight) -> Bool) -> [InFlight] {
        var taken: [InFlight] = []
        var kept: [InFlight] = []
        for m in queue { if matches(m) { taken.append(m) } else { kept.append(m) } }
        queue = kept
        return taken
    }

    /// Takes the oldest message in flight.
    mutating func takeOldest() -> InFlight? { queue.isEmpty ? nil : queue.removeFirst() }

    /// Takes every ping and pong in flight.
    mutating func takeBackground() -> [InFlight] {
        defer { background = [] }
        return background
    }

    /// Replaces the partition with one between `sides`.
    mutating func partition(_ sides: [[Int]]) {
        cuts.healAll()
        for a in sides.indices { for b in sides.indices where b > a { cuts.partition(sides[a], sides[b]) } }
    }

    mutating func healAll() { cuts.healAll() }

    var hasPartition: Bool { !cuts.isEmpty }
}
