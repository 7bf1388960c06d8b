import ConsensusCore
import ConsensusNetwork
import ConsensusTCP
import ConsensusWire
import NIOCore
import NIOPosix
import Testing

/// Reconnects, bounds and hostile input.
@Suite("TCP transport: failures and bounds", .serialized)
struct TCPTransportResilienceTests {
    @Test("A peer that restarts on the same port is dialed again; the loss was reported; messages flow again")
    func restartedPeerIsReconnected() async throws {
        let a = try await startMember("a")
        var b = try await startMember("b")
        let bPort = try b.address.port
        a.transport.setMembers(["b": try b.address])
        b.transport.setMembers(["a": try a.address])
        #expect(await eventually { a.transport.connectedPeers == ["b"] })
        #expect(a.transport.send(from: "a", to: "b", .ping(sequence: 1)) == .queued)
        #expect(await eventually { b.mailbox.messages(from: "a") == [.ping(sequence: 1)] })

        await b.transport.shutdown()
        #expect(await eventually { a.mailbox.unreachable.contains("b") })
        // While b is down, messages wait in a's queue (bounded) ...
        #expect(a.transport.send(from: "a", to: "b", .ping(sequence: 2)) == .queued)

        b = try await startMember("b", port: bPort, members: ["a": try a.address])
        // ... and go out once a has dialed b again.
        #expect(await eventually { a.transport.connectedPeers == ["b"] })
        #expect(await eventually { b.mailbox.messages(from: "a").contains(.ping(sequence: 2)) })
        #expect(a.transport.send(from: "a", to: "b", .ping(sequence: 3)) == .queued)
        #expect(await eventually { b.mailbox.messages(from: "a").contains(.ping(sequence: 3)) })
        #expect(a.log.contains("lost the connection to b"))
        await a.transport.shutdown()
        await b.transport.shutdown()
    }

    @Test("A peer that never answers: its queue fills to queueMax, then sends return queueFull")
    func queueBound() async throws {
        // A listener that accepts connections and never says a word.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let a = try await startMember("a", members: ["mute": PeerAddress(port: port)]) { $0.queueMax = 5 }
        for sequence in 1...5 {
            #expect(a.transport.send(from: "a", to: "mute", .ping(sequence: UInt64(sequence))) == .queued)
        }
        #expect(a.transport.send(from: "a", to: "mute", .ping(sequence: 6)) == .queueFull)
        #expect(a.transport.queuedCount(for: "mute") == 5)
        await a.transport.shutdown()
        try await silent.close()
    }

    @Test("A peer silent after connecting is closed when the opening exchange times out")
    func openingTimeout() async throws {
        let a = try await startMember("a", members: ["b": PeerAddress(port: 1)]) { $0.openingTimeout = .milliseconds(200) }
        let client = try await RawClient(port: try a.address.port)
        #expect(await eventually { client.isClosed })
        #expect(a.log.contains("did not finish the opening exchange"))
        await client.close()
        await a.transport.shutdown()
    }

    @Test("Clients spewing garbage or oversized frames are disconnected with a logged reason; the transport keeps serving")
    func garbageIsDisconnected() async throws {
        try await withTransports(["a", "b"], adjust: { $0.frameBytesMax = 4096 }) { members in
            let (a, b) = (members[0], members[1])
            let port = try a.address.port
            var rng = SplitMix64(seed: 0xBAD)
            let oversized: [UInt8] = [0xFF, 0xFF, 0x00, 0x00, 1, 0x21]  // a 65 KiB frame, above 4 KiB
            let hostile: [[UInt8]] = [
                (0..<2000).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                oversized + [UInt8](repeating: 7, count: 100),
                [0x02, 0, 0, 0, 1, 0xEE],  // an unknown frame type
                try PeerFrame.message(.ping(sequence: 1)).encoded(),  // a message before any handshake
            ]
            for bytes in hostile {
                let client = try await RawClient(port: port)
                try? await client.write(bytes)
                #expect(await eventually { client.isClosed }, "closed after \(bytes.prefix(8))")
                await client.close()
            }
            #expect(a.log.contains("closing the connection", "exceeds the maximum of 4096 bytes"))
            #expect(a.log.contains("unknown frame type 0xee"))
            #expect(a.log.contains("refused the peer", "before the opening exchange finished"))
            #expect(a.mailbox.messages.isEmpty)
            // Still serving: b's messages get through, both ways.
            #expect(b.transport.send(from: "b", to: "a", .ping(sequence: 42)) == .queued)
            #expect(a.transport.send(from: "a", to: "b", .pong(sequence: 42)) == .queued)
            #expect(await eventually { a.mailbox.messages(from: "b").contains(.ping(sequence: 42)) })
            #expect(await eventually { b.mailbox.messages(from: "a").contains(.pong(sequence: 42)) })
        }
    }

    @Test("Shutdown closes every connection and the listener; a second transport can bind the port again")
    func shutdownReleasesThePort() async throws {
        let a = try await startMember("a")
        let port = try a.address.port
        let client = try await RawClient(port: port)
        await a.transport.shutdown()
        #expect(await eventually { client.isClosed })
        let again = try await startMember("a", port: port)
        #expect(try again.address.port == port)
        await again.transport.shutdown()
        await client.close()
    }
}

@Suite("TCP transport: changing the member directory", .serialized)
struct TCPTransportMembershipTests {
    @Test("A member removed from the directory is disconnected both ways and becomes unreachable; adding it back reconnects")
    func removeAndAddBack() async throws {
        try await withTransports(["a", "b"]) { members in
            let (a, b) = (members[0], members[1])
            #expect(await eventually { a.transport.connectedPeers == ["b"] && b.transport.connectedPeers == ["a"] })
            let bAddress = try b.address
            a.transport.setMembers([:])
            #expect(a.transport.send(from: "a", to: "b", .ping(sequence: 1)) == .unreachable)
            // b's connection to a was refused or closed: b no longer gets through.
            #expect(await eventually { b.transport.connectedPeers.isEmpty })
            a.transport.setMembers(["b": bAddress])
            #expect(await eventually { a.transport.connectedPeers == ["b"] && b.transport.connectedPeers == ["a"] })
            #expect(b.transport.send(from: "b", to: "a", .ping(sequence: 2)) == .queued)
            #expect(await eventually { a.mailbox.messages(from: "b").contains(.ping(sequence: 2)) })
        }
    }
}

@Suite("TCP transport: the receive bound", .serialized)
struct TCPTransportInboxTests {
    /// Holds the receive callback until opened.
    actor Gate {
        private var isOpen = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func open() {
            isOpen = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }

    @Test("A receiver that does not keep up: past inboxMax, messages are dropped with a warning, never buffered without bound")
    func inboxBound() async throws {
        let gate = Gate()
        let log = LogRecorder()
        let mailbox = Mailbox()
        var configuration = TCPTransportConfiguration(nodeName: "slow", clusterID: "test-cluster")
        configuration.inboxMax = 4
        let slow = TCPTransport(configuration: configuration, logger: log.logger(label: "slow"))
        try await slow.start(onMessage: { from, message in
            await gate.wait()
            mailbox.receive(from, message)
        })
        let fast = try await startMember("fast", members: ["slow": try #require(slow.localAddress)])
        slow.setMembers(["fast": try fast.address])
        for sequence in 1...50 {
            #expect(fast.transport.send(from: "fast", to: "slow", .ping(sequence: UInt64(sequence))) == .queued)
        }
        #expect(await eventually { log.contains("inbox full") })
        await gate.open()
        // The inboxMax waiting, and the one held at the gate if the receiving task had taken it
        // before the burst filled the inbox (on a busy machine it may not have started yet).
        #expect(await eventually { mailbox.messages.count >= 4 })
        #expect(mailbox.messages.count <= 1 + 4, "at most inboxMax and the one in hand; the rest were dropped")
        #expect(mailbox.messages(from: "fast").first == .ping(sequence: 1), "the oldest are kept")
        await fast.transport.shutdown()
        await slow.shutdown()
    }
}
