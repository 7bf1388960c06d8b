import ConsensusCore

/// Messages in flight, delivered after a delay in ticks (which reorders them), with cut links.
struct SimulatedNetwork: Sendable {
    struct Link: Hashable, Sendable {
        var from: NodeID
        var to: NodeID
    }

    /// Bucket `t % count` holds what is due at tick `t`.
    private var wheel: [[Message]] = Array(repeating: [], count: 64)
    private(set) var cut: Set<Link> = []
    private(set) var inFlight = 0
    private(set) var sent = 0
    private(set) var dropped = 0

    func isCut(_ from: NodeID, _ to: NodeID) -> Bool {
        !cut.isEmpty && cut.contains(Link(from: from, to: to))
    }

    mutating func cutLink(_ a: NodeID, _ b: NodeID) {
        cut.insert(Link(from: a, to: b))
        cut.insert(Link(from: b, to: a))
    }

    mutating func restoreLink(_ a: NodeID, _ b: NodeID) {
        cut.remove(Link(from: a, to: b))
        cut.remove(Link(from: b, to: a))
    }

    mutating func healAll() { cut = [] }

    mutating func send(_ m: Message, now: UInt64, faults: FaultProfile, rng: inout SplitMix64) {
        sent += 1
        if rng.chance(faults.messageDrop) {
            dropped += 1
            return
        }
        enqueue(m, at: now + 1 + UInt64(rng.int(in: 0...faults.maxDelayTicks)))
        if rng.chance(faults.messageDuplicate) {
            enqueue(m, at: now + 1 + UInt64(rng.int(in: 0...faults.maxDelayTicks)))
        }
    }

    private mutating func enqueue(_ m: Message, at tick: UInt64) {
        wheel[Int(tick % UInt64(wheel.count))].append(m)
        inFlight += 1
    }

    /// What is due now, in a seeded random order when `reorder` is set, else in sending order.
    mutating func takeDue(now: UInt64, reorder: Bool, rng: inout SplitMix64) -> [Message] {
        let slot = Int(now % UInt64(wheel.count))
        var due = wheel[slot]
        wheel[slot] = []
        inFlight -= due.count
        if reorder && due.count > 1 { due.shuffle(using: &rng) }
        return due
    }
}
