import Consensus
import ConsensusCore
import ConsensusNetwork

/// The simulated network between members of a ``NodeSimulation``: peer messages (by member
/// index) that are dropped, duplicated, delayed and reordered per the faults, and links that
/// partitions cut.
struct NodeNetwork: Sendable {
    struct InFlight: Sendable {
        var due: UInt64
        var order: UInt64
        var from: Int
        var to: Int
        var message: PeerMessage
    }

    private var queue: [InFlight] = []
    private var cuts = LinkCuts()
    private var sequence: UInt64 = 0
    private(set) var sent = 0
    private(set) var dropped = 0

    func isCut(_ from: Int, _ to: Int) -> Bool { cuts.isCut(from, to) }

    var hasPartition: Bool { !cuts.isEmpty }

    /// Cuts every link between the two sides, both ways.
    mutating func partition(_ a: [Int], _ b: [Int]) { cuts.partition(a, b) }

    mutating func healAll() { cuts.healAll() }

    mutating func send(from: Int, to: Int, _ message: PeerMessage, now: UInt64, faults: NodeFaults, rng: inout SplitMix64) {
        sent += 1
        if isCut(from, to) || rng.chance(faults.messageDrop) {
            dropped += 1
            return
        }
        let copies = rng.chance(faults.messageDuplicate) ? 2 : 1
        for _ in 0..<copies {
            sequence += 1
            queue.append(InFlight(due: now + 1 + UInt64(rng.int(in: 0...faults.maxDelayTicks)), order: sequence, from: from, to: to, message: message))
        }
    }

    /// The messages due now, in sending order or shuffled.
    mutating func takeDue(now: UInt64, reorder: Bool, rng: inout SplitMix64) -> [InFlight] {
        var due: [InFlight] = []
        var rest: [InFlight] = []
        for m in queue { if m.due <= now { due.append(m) } else { rest.append(m) } }
        queue = rest
        due.sort { $0.order < $1.order }
        if reorder && due.count > 1 {
            for k in stride(from: due.count - 1, to: 0, by: -1) { due.swapAt(k, rng.int(in: 0...k)) }
        }
        return due
    }

    /// Forgets messages to a crashed member (its sockets are gone).
    mutating func dropAll(to member: Int) {
        queue.removeAll { $0.to == member }
    }
}

/// How hostile a ``NodeSimulation`` is. Probabilities are per tick, or per message.
struct NodeFaults: Sendable, Hashable, CustomStringConvertible {
    var messageDrop = 0.02
    var messageDuplicate = 0.02
    var maxDelayTicks = 3
    var reorder = true
    var partition = 0.01
    var heal = 0.03
    var crash = 0.004
    /// Crash a member after it asked for a write and before the write is synced.
    var crashBeforeSync = 0.002
    /// Leave a write unsynced until the next tick (inputs arriving meanwhile wait in the machine).
    var slowDisk = 0.2
    var clientRate = 0.5

    static var calm: NodeFaults {
        var f = NodeFaults()
        f.messageDrop = 0; f.messageDuplicate = 0; f.maxDelayTicks = 0; f.reorder = false
        f.partition = 0; f.heal = 1; f.crash = 0; f.crashBeforeSync = 0; f.slowDisk = 0
        return f
    }

    static func mixed(_ rng: inout SplitMix64, mechanism: ConsensusConfiguration.Mechanism) -> NodeFaults {
        var f = NodeFaults()
        f.messageDrop = rng.pick([0, 0.01, 0.05, 0.15])
        f.messageDuplicate = rng.pick([0, 0.02, 0.1])
        f.maxDelayTicks = rng.pick([0, 1, 3, 8])
        f.partition = rng.pick([0, 0.005, 0.02])
        f.heal = rng.pick([0.01, 0.05])
        f.crash = rng.pick([0, 0.002, 0.01])
        f.crashBeforeSync = mechanism == .raft ? rng.pick([0, 0.002, 0.01]) : 0
        f.slowDisk = rng.pick([0, 0.3])
        f.clientRate = rng.pick([0.2, 0.5, 0.9])
        return f
    }

    /// One isolation of the leader, with clients stuck on it (see ``NodeSimulationOptions/Weather/stuckClients``).
    static var stuckClients: NodeFaults {
        var f = NodeFaults()
        f.messageDrop = 0; f.messageDuplicate = 0; f.maxDelayTicks = 1
        f.partition = 0; f.heal = 0; f.crash = 0; f.crashBeforeSync = 0
        f.clientRate = 0.9
        return f
    }

    var description: String {
        "drop=\(messageDrop) dup=\(messageDuplicate) delay=\(maxDelayTicks) partition=\(partition) heal=\(heal) crash=\(crash) crashBeforeSync=\(crashBeforeSync) slowDisk=\(slowDisk) clients=\(clientRate)"
    }
}
