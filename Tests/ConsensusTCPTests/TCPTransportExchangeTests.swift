import ConsensusTesting
import ConsensusCore
import ConsensusNetwork
import ConsensusTCP
import ConsensusWire
import Testing

/// Transports on real loopback sockets carry every kind of peer message, whole and in order.
@Suite("TCP transport: exchanging messages", .serialized)
struct TCPTransportExchangeTests {
    @Test("Three transports send each other every message shape; each arrives once, in order, from the right sender")
    func everyShapeBetweenThree() async throws {
        try await withTransports(["n1", "n2", "n3"]) { members in
            var expected: [String: [String: [PeerMessage]]] = [:]  // to -> from -> messages
            var random = RandomPeerMessages(seed: 12)
            for round in 0..<3 {
                for sender in members {
                    for receiver in members where receiver.name != sender.name {
                        for shape in 0..<RandomPeerMessages.shapeCount {
                            let message = random.message(shape: (shape + round) % RandomPeerMessages.shapeCount)
                            #expect(sender.transport.send(from: sender.name, to: receiver.name, message) == .queued)
                            expected[receiver.name, default: [:]][sender.name, default: []].append(message)
                        }
                    }
                }
            }
            for receiver in members {
                let all = await eventually {
                    receiver.mailbox.messages.count == 2 * 3 * RandomPeerMessages.shapeCount
                }
                #expect(all, "\(receiver.name) received \(receiver.mailbox.messages.count) messages")
                for sender in members where sender.name != receiver.name {
                    #expect(receiver.mailbox.messages(from: sender.name) == expected[receiver.name]?[sender.name])
                }
            }
        }
    }

    @Test("A snapshot larger than a frame goes out in chunks and arrives whole")
    func snapshotInChunks() async throws {
        try await withTransports(["a", "b"], adjust: { $0.frameBytesMax = 1024 }) { members in
            let data = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let snapshot = Snapshot(
                metadata: SnapshotMetadata(index: 40, term: 3, configuration: Configuration(voters: [memberID("a"), memberID("b")])),
                data: data)
            let message = PeerMessage.raft(Message(from: memberID("a"), to: memberID("b"), term: 3, kind: .installSnapshot(snapshot)))
            let after = PeerMessage.ping(sequence: 99)
            #expect(members[0].transport.send(from: "a", to: "b", message) == .queued)
            #expect(members[0].transport.send(from: "a", to: "b", after) == .queued)
            #expect(await eventually { members[1].mailbox.messages.count == 2 })
            #expect(members[1].mailbox.messages(from: "a") == [message, after])
        }
    }

    @Test("Many large messages at once: written as the socket takes them, all arrive in order")
    func backPressure() async throws {
        try await withTransports(["a", "b"], adjust: { $0.queueMax = 2000 }) { members in
            let payload = [UInt8](repeating: 0x5A, count: 16 * 1024)
            let messages = (0..<1500).map { PeerMessage.forward(command: payload, hops: $0) }
            for message in messages {
                #expect(members[0].transport.send(from: "a", to: "b", message) == .queued)
            }
            #expect(await eventually { members[1].mailbox.messages.count == messages.count })
            #expect(members[1].mailbox.messages(from: "a") == messages)
            #expect(members[0].transport.queuedCount(for: "b") == 0)
        }
    }

    @Test("Sends to an unknown member, to oneself, or before start and after shutdown are unreachable")
    func unreachableOutcomes() async throws {
        let member = try await startMember("solo")
        #expect(member.transport.send(from: "solo", to: "nobody", .ping(sequence: 1)) == .unreachable)
        #expect(member.transport.send(from: "solo", to: "solo", .ping(sequence: 1)) == .unreachable)
        await member.transport.shutdown()
        #expect(member.transport.send(from: "solo", to: "nobody", .ping(sequence: 1)) == .unreachable)
        let unstarted = TCPTransport(configuration: TCPTransportConfiguration(
            nodeName: "x", clusterID: "c", members: ["y": PeerAddress(port: 1)]))
        #expect(unstarted.send(from: "x", to: "y", .ping(sequence: 1)) == .unreachable)
    }
}
