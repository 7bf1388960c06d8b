import ConsensusCore
import ConsensusNetwork
import Synchronization
import Testing

/// The in-memory network delivers in order, and its faults do what they say.
@Suite("In-memory network")
struct InMemoryNetworkTests {
    final class Inbox: Sendable {
        let received = Mutex<[(NodeID, PeerMessage)]>([])
        var count: Int { received.withLock { $0.count } }
        var messages: [(NodeID, PeerMessage)] { received.withLock { $0 } }
    }

    func waitFor(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }

    func connect(_ network: InMemoryNetwork, _ id: NodeID) -> Inbox {
        let inbox = Inbox()
        network.register(id) { from, message in inbox.received.withLock { $0.append((from, message)) } }
        return inbox
    }

    @Test("Messages from one sender arrive in the order they were sent")
    func fifo() async {
        let network = InMemoryNetwork()
        let inbox = connect(network, 2)
        for i in 1...100 { network.send(from: 1, to: 2, .ping(sequence: UInt64(i))) }
        #expect(await waitFor { inbox.count == 100 })
        let sequences: [UInt64] = inbox.messages.map { message in
            if case .ping(let s) = message.1 { return s }
            return 0
        }
        #expect(sequences == Array(1...100))
        #expect(inbox.messages.allSatisfy { $0.0 == 1 })
    }

    @Test("A partition cuts links between groups, not inside them; heal restores them")
    func partition() async {
        let network = InMemoryNetwork()
        let b = connect(network, 2)
        let c = connect(network, 3)
        network.partition([[1, 2], [3]])
        network.send(from: 1, to: 2, .ping(sequence: 1))
        network.send(from: 1, to: 3, .ping(sequence: 1))
        #expect(await waitFor { b.count == 1 })
        #expect(c.count == 0)
        #expect(!network.isConnected(from: 1, to: 3))
        network.heal()
        network.send(from: 1, to: 3, .ping(sequence: 2))
        #expect(await waitFor { c.count == 1 })
        #expect(network.statistics.dropped == 1)
    }

    @Test("Isolating a node cuts it off in both directions")
    func isolate() async {
        let network = InMemoryNetwork()
        let a = connect(network, 1)
        let b = connect(network, 2)
        network.isolate(1)
        network.send(from: 1, to: 2, .ping(sequence: 1))
        network.send(from: 2, to: 1, .ping(sequence: 1))
        network.send(from: 2, to: 2, .ping(sequence: 9))
        #expect(await waitFor { b.count == 1 })
        #expect(a.count == 0)
    }

    @Test("Drop probability 1 loses everything; duplicate probability 1 doubles everything")
    func dropAndDuplicate() async {
        let network = InMemoryNetwork(seed: 5, faults: .init(drop: 1))
        let inbox = connect(network, 2)
        for i in 1...10 { network.send(from: 1, to: 2, .ping(sequence: UInt64(i))) }
        #expect(network.statistics.dropped == 10)
        network.faults = .init(duplicate: 1)
        for i in 1...10 { network.send(from: 1, to: 2, .ping(sequence: UInt64(i))) }
        #expect(await waitFor { inbox.count == 20 })
    }

    @Test("Delayed messages still arrive")
    func delay() async {
        let network = InMemoryNetwork(faults: .init(delayMilliseconds: 1...5))
        let inbox = connect(network, 2)
        for i in 1...20 { network.send(from: 1, to: 2, .ping(sequence: UInt64(i))) }
        #expect(await waitFor { inbox.count == 20 })
    }

    @Test("A message to an unregistered node is dropped and counted")
    func unregistered() {
        let network = InMemoryNetwork()
        network.send(from: 1, to: 9, .ping(sequence: 1))
        #expect(network.statistics.dropped == 1)
        #expect(network.statistics.sent == 1)
    }

    @Test("Payload bytes count entry data carried by appends")
    func payloadBytes() {
        let entries = [Entry(term: 1, index: 1, data: [1, 2, 3]), Entry(term: 1, index: 2, data: [4])]
        let m = PeerMessage.raft(Message(from: 1, to: 2, term: 1, kind: .append(prevIndex: 0, prevTerm: 0, entries: entries, commit: 0)))
        #expect(m.payloadBytes == 4)
        let network = InMemoryNetwork()
        network.send(from: 1, to: 2, m)
        #expect(network.statistics.payloadBytes == 4)
        #expect(network.statistics.appendsWithEntries == 1)
    }

    @Test("PeerTransport: a send to a member that is not registered, or across a cut link, reports unreachable")
    func transportUnreachable() {
        let network = InMemoryNetwork()
        #expect(network.send(from: "a", to: "b", .ping(sequence: 1)) == .unreachable)
        network.register(memberID("b")) { _, _ in }
        #expect(network.send(from: "a", to: "b", .ping(sequence: 2)) == .queued)
        network.cut(from: memberID("a"), to: memberID("b"))
        #expect(network.send(from: "a", to: "b", .ping(sequence: 3)) == .unreachable)
    }

    @Test("PeerTransport: the queue to a member is bounded; past it a send reports queueFull and the message is dropped")
    func transportQueueFull() async {
        let network = InMemoryNetwork(queueMax: 4)
        let gate = Gate()
        // A member that does not read its queue until the gate opens.
        network.register(memberID("slow")) { _, _ in await gate.wait() }
        var results: [PeerSendResult] = []
        for i in 0..<20 { results.append(network.send(from: "fast", to: "slow", .ping(sequence: UInt64(i)))) }
        #expect(results.contains(.queueFull))
        #expect(results.filter { $0 == .queued }.count <= 4 + 1)
        #expect(network.statistics.dropped == results.filter { $0 == .queueFull }.count)
        await gate.open()
    }
}

/// Holds its waiters until opened.
private actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters = []
    }
}
