import ConsensusNetwork
import ConsensusWire

/// The logic of a connection's opening exchange, without I/O: which frames to send, when the
/// peer is identified, and why it is refused. ``PeerConnectionHandler`` performs its actions.
///
/// The exchange:
/// 1. The dialer sends its ``Handshake`` (and, with a secret, a challenge).
/// 2. The listener checks it (protocol version, cluster id, a known member name that is not its
///    own) and answers with its own handshake (and challenge), or a refusal.
/// 3. The dialer checks the listener's handshake the same way, and that the name is the member
///    it dialed.
/// 4. With a secret, each side answers the other's challenge with a ``PeerProof`` and checks the
///    proof it receives. A side whose secret is missing refuses a challenge.
/// 5. A side is ``Action/established(peer:)`` once it has the peer's valid handshake and, with a
///    secret, its valid proof. Only then may peer messages flow; one that comes earlier is a
///    refusal.
struct OpeningStateMachine {
    /// Which end of the connection this member is.
    enum Role: Equatable {
        /// This member dialed the peer it expects to be called `expecting`.
        case dialer(expecting: String)
        /// The peer dialed this member.
        case listener
    }

    /// Who this member is.
    struct Identity {
        var clusterID: String
        var nodeName: String
        var secret: ClusterSecret?
        /// The names allowed to connect (this member's own excluded).
        var knownPeers: Set<String>
    }

    enum Action: Equatable {
        /// Write this frame.
        case send(ConnectionFrame)
        /// The peer is identified (and authenticated): messages may flow.
        case established(peer: String)
        /// Refuse the peer: log the reason, send it as a refusal frame, close.
        case refuse(PeerRefusal)
        /// The peer refused this member: log the reason, close.
        case refusedByPeer(PeerRefusal)
    }

    let role: Role
    let identity: Identity
    /// The nonce of this member's challenge (nil without a secret).
    private let nonce: [UInt8]?
    /// The peer's name, once its handshake is accepted.
    private(set) var peer: String?
    private var proven = false
    private var answered = false
    private(set) var isEstablished = false
    private(set) var isClosed = false

    /// - Parameter nonce: The challenge's nonce; required with a secret, ignored without one.
    init(role: Role, identity: Identity, nonce: [UInt8]) {
        self.role = role
        self.identity = identity
        self.nonce = identity.secret == nil ? nil : nonce
    }

    private var myRole: PeerProof.Role { role == .listener ? .listener : .dialer }
    private var peerRole: PeerProof.Role { role == .listener ? .dialer : .listener }

    /// The connection is open.
    mutating func start() -> [Action] {
        guard case .dialer = role else { return [] }
        return greeting
    }

    private var greeting: [Action] {
        var actions: [Action] = [.send(.peer(.handshake(Handshake(clusterID: identity.clusterID, nodeName: identity.nodeName))))]
        if let nonce { actions.append(.send(.opening(.challenge(nonce: nonce)))) }
        return actions
    }

    /// A frame arrived. (Once established, peer messages and snapshot chunks go straight to the
    /// handler; everything else still comes here.)
    mutating func receive(_ frame: ConnectionFrame) -> [Action] {
        guard !isClosed else { return [] }
        switch frame {
        case .peer(.handshake(let handshake)):
            return receive(handshake)
        case .opening(.refusal(let refusal)):
            isClosed = true
            return [.refusedByPeer(refusal)]
        case .opening(.challenge(let challengeNonce)):
            return receiveChallenge(challengeNonce)
        case .opening(.challengeResponse(let proof)):
            return receiveProof(proof)
        case .peer(let other):
            if peer != nil, nonce != nil, !proven {
                return refuse(.secretMismatch, "\(describePeer) sent a \(other.type) frame without proving the cluster secret (does it have one?)")
            }
            return refuse(.protocolViolation, "\(describePeer) sent a \(other.type) frame before the opening exchange finished")
        }
    }

    /// The opening exchange took too long.
    mutating func timedOut(after timeout: Duration) -> [Action] {
        guard !isEstablished, !isClosed else { return [] }
        return refuse(.protocolViolation, "\(describePeer) did not finish the opening exchange within \(timeout)")
    }

    private var describePeer: String { peer.map { "peer \($0)" } ?? "the peer" }

    private mutating func receive(_ handshake: Handshake) -> [Action] {
        guard peer == nil else { return refuse(.protocolViolation, "peer \(handshake.nodeName) sent a second handshake") }
        let name = handshake.nodeName
        if handshake.protocolVersion != PeerWire.protocolVersion {
            return refuse(.incompatibleVersion,
                "peer \(name) speaks protocol version \(handshake.protocolVersion); this member speaks \(PeerWire.protocolVersion)")
        }
        if handshake.clusterID != identity.clusterID {
            return refuse(.wrongCluster,
                "peer \(name) is in cluster \"\(handshake.clusterID)\"; this member (\(identity.nodeName)) is in cluster \"\(identity.clusterID)\"")
        }
        if name == identity.nodeName {
            return refuse(.unknownNode, "peer \(name) has this member's own name")
        }
        switch role {
        case .dialer(let expected) where name != expected:
            return refuse(.unknownNode, "dialed member \(expected), but \(name) answered")
        case .listener where !identity.knownPeers.contains(name):
            return refuse(.unknownNode, "\(name) is not a member of cluster \"\(identity.clusterID)\" as \(identity.nodeName) knows it")
        default:
            break
        }
        peer = name
        var actions = role == .listener ? greeting : []
        actions += establishIfReady()
        return actions
    }

    private mutating func receiveChallenge(_ challengeNonce: [UInt8]) -> [Action] {
        guard let peer else { return refuse(.protocolViolation, "the peer sent a challenge before its handshake") }
        guard let secret = identity.secret else {
            return refuse(.secretMismatch, "peer \(peer) asks for proof of a cluster secret, but \(identity.nodeName) has none")
        }
        guard !answered else { return refuse(.protocolViolation, "peer \(peer) sent a second challenge") }
        answered = true
        let proof = PeerProof.make(
            secret: secret, nonce: challengeNonce, clusterID: identity.clusterID,
            prover: identity.nodeName, role: myRole, challenger: peer)
        return [.send(.opening(.challengeResponse(proof: proof)))]
    }

    private mutating func receiveProof(_ proof: [UInt8]) -> [Action] {
        guard let peer else { return refuse(.protocolViolation, "the peer sent a proof before its handshake") }
        guard let nonce, let secret = identity.secret, !proven else {
            return refuse(.protocolViolation, "peer \(peer) sent a proof that was not asked for")
        }
        guard PeerProof.isValid(
            proof, secret: secret, nonce: nonce, clusterID: identity.clusterID,
            prover: peer, role: peerRole, challenger: identity.nodeName)
        else {
            return refuse(.authenticationFailed, "peer \(peer) does not hold the cluster secret (wrong proof)")
        }
        proven = true
        return establishIfReady()
    }

    private mutating func establishIfReady() -> [Action] {
        guard let peer, !isEstablished, nonce == nil || proven else { return [] }
        isEstablished = true
        return [.established(peer: peer)]
    }

    private mutating func refuse(_ reason: PeerRefusal.Reason, _ message: String) -> [Action] {
        isClosed = true
        return [.refuse(PeerRefusal(reason, message))]
    }
}
