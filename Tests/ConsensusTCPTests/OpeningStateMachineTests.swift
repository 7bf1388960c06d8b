@testable import ConsensusTCP
import ConsensusWire
import Testing

/// The opening exchange as a pure state machine: two machines wired back to back, no sockets.
@Suite("Opening exchange")
struct OpeningStateMachineTests {
    typealias Machine = OpeningStateMachine

    func identity(_ name: String, cluster: String = "c", secret: String? = nil, knows: Set<String> = []) -> Machine.Identity {
        Machine.Identity(clusterID: cluster, nodeName: name, secret: secret.map { ClusterSecret($0) }, knownPeers: knows)
    }

    /// Runs the exchange to its end: every frame one side sends is received by the other.
    /// Returns each side's actions other than plain sends.
    func run(dialer: inout Machine, listener: inout Machine) -> (dialer: [Machine.Action], listener: [Machine.Action]) {
        var toListener: [ConnectionFrame] = [], toDialer: [ConnectionFrame] = []
        var dialerOut: [Machine.Action] = [], listenerOut: [Machine.Action] = []
        func sort(_ actions: [Machine.Action], into frames: inout [ConnectionFrame], log: inout [Machine.Action]) {
            for action in actions {
                switch action {
                case .send(let frame): frames.append(frame)
                case .refuse(let refusal): frames.append(.opening(.refusal(refusal))); log.append(action)
                default: log.append(action)
                }
            }
        }
        sort(dialer.start(), into: &toListener, log: &dialerOut)
        sort(listener.start(), into: &toDialer, log: &listenerOut)
        while !toListener.isEmpty || !toDialer.isEmpty {
            if !toListener.isEmpty { sort(listener.receive(toListener.removeFirst()), into: &toDialer, log: &listenerOut) }
            if !toDialer.isEmpty { sort(dialer.receive(toDialer.removeFirst()), into: &toListener, log: &dialerOut) }
        }
        return (dialerOut, listenerOut)
    }

    func reasons(_ actions: [Machine.Action]) -> [PeerRefusal.Reason] {
        actions.compactMap {
            switch $0 {
            case .refuse(let r), .refusedByPeer(let r): return r.reason
            default: return nil
            }
        }
    }

    @Test("Matching members, no secret: both established, naming each other")
    func plainExchange() {
        var d = Machine(role: .dialer(expecting: "b"), identity: identity("a"), nonce: [])
        var l = Machine(role: .listener, identity: identity("b", knows: ["a"]), nonce: [])
        let out = run(dialer: &d, listener: &l)
        #expect(out.dialer == [.established(peer: "b")])
        #expect(out.listener == [.established(peer: "a")])
    }

    @Test("Same secret: the dialer opens with handshake and challenge; both established after the proofs")
    func secretExchange() {
        var probe = Machine(role: .dialer(expecting: "b"), identity: identity("a", secret: "k"), nonce: PeerProof.makeNonce())
        #expect(probe.start().count == 2, "handshake and challenge")
        var d = Machine(role: .dialer(expecting: "b"), identity: identity("a", secret: "k"), nonce: PeerProof.makeNonce())
        var l = Machine(role: .listener, identity: identity("b", secret: "k", knows: ["a"]), nonce: PeerProof.makeNonce())
        let out = run(dialer: &d, listener: &l)
        #expect(out.dialer == [.established(peer: "b")])
        #expect(out.listener == [.established(peer: "a")])
    }

    @Test("Refusals: wrong cluster, unknown member, own name, wrong member answering, wrong secret, secret on one side")
    func refusals() {
        func outcome(
            _ d: Machine.Identity, expecting: String = "b", _ l: Machine.Identity
        ) -> (dialer: [PeerRefusal.Reason], listener: [PeerRefusal.Reason]) {
            var dm = Machine(role: .dialer(expecting: expecting), identity: d, nonce: PeerProof.makeNonce())
            var lm = Machine(role: .listener, identity: l, nonce: PeerProof.makeNonce())
            let out = run(dialer: &dm, listener: &lm)
            #expect(!dm.isEstablished || !lm.isEstablished)
            return (reasons(out.dialer), reasons(out.listener))
        }
        #expect(outcome(identity("a", cluster: "x"), identity("b", cluster: "y", knows: ["a"])).listener == [.wrongCluster])
        #expect(outcome(identity("z"), identity("b", knows: ["a"])).listener == [.unknownNode])
        #expect(outcome(identity("b"), identity("b", knows: ["b"])).listener == [.unknownNode])
        #expect(outcome(identity("a"), expecting: "c", identity("b", knows: ["a"])).dialer == [.unknownNode])
        let wrong = outcome(identity("a", secret: "k1"), identity("b", secret: "k2", knows: ["a"]))
        #expect((wrong.dialer + wrong.listener).contains(.authenticationFailed))
        #expect(outcome(identity("a", secret: "k"), identity("b", knows: ["a"])).listener.first == .secretMismatch)
        #expect(outcome(identity("a"), identity("b", secret: "k", knows: ["a"])).dialer.first == .secretMismatch)
    }

    @Test("A proof made as a listener does not pass as a dialer's (no reflection), nor under another secret")
    func proofsAreBoundToTheRole() {
        let secret = ClusterSecret("k"), nonce = PeerProof.makeNonce()
        let asListener = PeerProof.make(secret: secret, nonce: nonce, clusterID: "c", prover: "a", role: .listener, challenger: "b")
        #expect(PeerProof.isValid(asListener, secret: secret, nonce: nonce, clusterID: "c", prover: "a", role: .listener, challenger: "b"))
        #expect(!PeerProof.isValid(asListener, secret: secret, nonce: nonce, clusterID: "c", prover: "a", role: .dialer, challenger: "b"))
        #expect(!PeerProof.isValid(asListener, secret: ClusterSecret("k2"), nonce: nonce, clusterID: "c", prover: "a", role: .listener, challenger: "b"))
    }

    @Test("A message before the exchange ends, a second handshake, or a timeout: refused as a protocol violation")
    func outOfOrder() {
        var l = Machine(role: .listener, identity: identity("b", knows: ["a"]), nonce: [])
        #expect(reasons(l.receive(.peer(.message(.ping(sequence: 1))))) == [.protocolViolation])
        #expect(l.receive(.peer(.message(.ping(sequence: 1)))).isEmpty, "closed: nothing more")

        var m = Machine(role: .listener, identity: identity("b", knows: ["a"]), nonce: [])
        _ = m.receive(.peer(.handshake(Handshake(clusterID: "c", nodeName: "a"))))
        #expect(reasons(m.receive(.peer(.handshake(Handshake(clusterID: "c", nodeName: "a"))))) == [.protocolViolation])

        var t = Machine(role: .dialer(expecting: "b"), identity: identity("a"), nonce: [])
        _ = t.start()
        #expect(reasons(t.timedOut(after: .seconds(1))) == [.protocolViolation])
    }

    @Test("A member of the build before binary log entries (protocol version 1) is refused at the handshake, both versions named: it would skip entries it cannot read")
    func earlierProtocolVersionIsRefused() {
        var l = Machine(role: .listener, identity: identity("b", knows: ["a"]), nonce: [])
        let actions = l.receive(.peer(.handshake(Handshake(protocolVersion: 1, clusterID: "c", nodeName: "a"))))
        #expect(reasons(actions) == [.incompatibleVersion])
        let detail = actions.compactMap { action -> String? in
            if case .refuse(let r) = action { return r.message }
            return nil
        }
        #expect(detail == ["peer a speaks protocol version 1; this member speaks 2"])
        #expect(PeerWire.protocolVersion == 2)
    }
}
