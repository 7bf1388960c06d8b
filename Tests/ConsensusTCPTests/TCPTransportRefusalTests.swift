import ConsensusCore
import ConsensusNetwork
import ConsensusTCP
import ConsensusWire
import Testing

/// The opening exchange refuses peers that do not belong, with the reason logged on both sides.
@Suite("TCP transport: refusing peers", .serialized)
struct TCPTransportRefusalTests {
    /// Starts `dialer`'s and `listener`'s transports, points the dialer at the listener, and
    /// runs `body`; both are always shut down.
    func pair(
        dialer: (name: String, cluster: String, secret: ClusterSecret?),
        listener: (name: String, cluster: String, secret: ClusterSecret?, knows: String),
        _ body: (Member, Member) async throws -> Void
    ) async throws {
        let l = try await startMember(listener.name, clusterID: listener.cluster, secret: listener.secret)
        let d = try await startMember(dialer.name, clusterID: dialer.cluster, secret: dialer.secret)
        do {
            l.transport.setMembers([listener.knows: PeerAddress(port: 1)])
            d.transport.setMembers([listener.name: try l.address])
            try await body(d, l)
        } catch {
            await d.transport.shutdown()
            await l.transport.shutdown()
            throw error
        }
        await d.transport.shutdown()
        await l.transport.shutdown()
    }

    @Test("A peer with another cluster id is refused; both sides log why")
    func wrongCluster() async throws {
        try await pair(dialer: ("n1", "blue", nil), listener: ("n2", "green", nil, knows: "n1")) { d, l in
            #expect(await eventually { l.log.contains("refused the peer", "wrongCluster", "\"blue\"") })
            #expect(await eventually { d.log.contains("refused by the peer", "wrongCluster", "\"green\"") })
            #expect(d.transport.connectedPeers.isEmpty)
            #expect(await eventually { d.mailbox.unreachable.contains("n2") })
            // A message for the refused peer stays queued: nothing is written before the
            // opening exchange succeeds.
            #expect(d.transport.send(from: "n1", to: "n2", .ping(sequence: 1)) == .queued)
            #expect(d.transport.queuedCount(for: "n2") == 1)
            #expect(l.mailbox.messages.isEmpty)
        }
    }

    @Test("A peer whose name is not a member is refused; both sides log why")
    func unknownNode() async throws {
        try await pair(dialer: ("intruder", "c", nil), listener: ("n2", "c", nil, knows: "n1")) { d, l in
            #expect(await eventually { l.log.contains("refused the peer", "unknownNode", "intruder is not a member") })
            #expect(await eventually { d.log.contains("refused by the peer", "unknownNode", "intruder is not a member") })
            #expect(d.transport.connectedPeers.isEmpty)
        }
    }

    @Test("A member that answers with another name than the one dialed is refused by the dialer")
    func dialedTheWrongMember() async throws {
        let l = try await startMember("n3")
        let d = try await startMember("n1", members: ["n2": try l.address])
        l.transport.setMembers(["n1": PeerAddress(port: 1)])
        #expect(await eventually { d.log.contains("refused the peer", "dialed member n2, but n3 answered") })
        #expect(await eventually { l.log.contains("refused by the peer", "dialed member n2, but n3 answered") })
        #expect(d.transport.connectedPeers.isEmpty)
        await d.transport.shutdown()
        await l.transport.shutdown()
    }

    @Test("A wrong secret is refused; the secret never appears on the wire or in the logs")
    func wrongSecret() async throws {
        try await pair(dialer: ("n1", "c", ClusterSecret("hunter2")), listener: ("n2", "c", ClusterSecret("correct horse"), knows: "n1")) { d, l in
            // Each side checks the other's proof, so each may be the first to refuse.
            #expect(await eventually { l.log.contains("authenticationFailed") })
            #expect(await eventually { d.log.contains("authenticationFailed") })
            #expect(l.log.contains("does not hold the cluster secret") || d.log.contains("does not hold the cluster secret"))
            #expect(d.transport.connectedPeers.isEmpty)
            for line in d.log.messages + l.log.messages {
                #expect(!line.contains("hunter2") && !line.contains("correct horse"))
            }
        }
    }

    @Test("The right secret is accepted: messages flow")
    func rightSecret() async throws {
        let secret = ClusterSecret("s3cret")
        try await withTransports(["n1", "n2"], secret: secret) { members in
            #expect(await eventually { members[0].transport.connectedPeers == ["n2"] && members[1].transport.connectedPeers == ["n1"] })
            #expect(members[0].transport.send(from: "n1", to: "n2", .ping(sequence: 5)) == .queued)
            #expect(members[1].transport.send(from: "n2", to: "n1", .pong(sequence: 5)) == .queued)
            #expect(await eventually { members[1].mailbox.messages(from: "n1") == [.ping(sequence: 5)] })
            #expect(await eventually { members[0].mailbox.messages(from: "n2") == [.pong(sequence: 5)] })
        }
    }

    @Test("A secret on one side only is refused, whichever side has it")
    func secretOnOneSide() async throws {
        try await pair(dialer: ("n1", "c", ClusterSecret("s")), listener: ("n2", "c", nil, knows: "n1")) { d, l in
            #expect(await eventually { l.log.contains("refused the peer", "secretMismatch", "n2 has none") })
            #expect(await eventually { d.log.contains("refused by the peer", "secretMismatch") })
        }
        try await pair(dialer: ("n1", "c", nil), listener: ("n2", "c", ClusterSecret("s"), knows: "n1")) { d, l in
            #expect(await eventually { d.log.contains("refused the peer", "secretMismatch", "n1 has none") })
            #expect(await eventually { l.log.contains("refused by the peer", "secretMismatch") || l.log.contains("refused the peer", "secretMismatch") })
            #expect(l.mailbox.messages.isEmpty)
        }
    }

    @Test("A handshake with an incompatible protocol version gets a refusal frame and is logged")
    func incompatibleVersion() async throws {
        let l = try await startMember("n2", members: ["n1": PeerAddress(port: 1)])
        let client = try await RawClient(port: try l.address.port)
        let hello = try PeerFrame.handshake(Handshake(protocolVersion: 9, clusterID: "test-cluster", nodeName: "n1")).encoded()
        try await client.write(hello)
        #expect(await eventually { client.isClosed })
        var decoder = ConnectionFrameDecoder()
        var buffer = client.channel.allocator.buffer(bytes: client.bytes)
        let frame = try decoder.decode(buffer: &buffer)
        guard case .opening(.refusal(let refusal)) = frame else {
            Issue.record("expected a refusal, got \(String(describing: frame))")
            return
        }
        #expect(refusal.reason == .incompatibleVersion)
        #expect(l.log.contains("refused the peer", "protocol version 9"))
        await client.close()
        await l.transport.shutdown()
    }
}
