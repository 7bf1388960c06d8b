import ConsensusCore
import Crypto

/// The proof that a peer holds the ``ClusterSecret``: HMAC-SHA256, keyed with the secret, over
/// a label, the cluster id, the prover's name and role, the challenger's name and the
/// challenger's nonce (each length-prefixed). Binding the role keeps a member from being used to
/// answer, as a listener, a challenge it would receive as a dialer (a reflection).
enum PeerProof {
    /// Which end of the connection proves.
    enum Role: UInt8 {
        case dialer = 1, listener = 2
    }

    static let label = Array("swift-consensus peer proof v1".utf8)
    static let nonceBytes = 32

    /// A fresh nonce from the system's secure generator.
    static func makeNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func make(
        secret: ClusterSecret, nonce: [UInt8], clusterID: String, prover: String, role: Role, challenger: String
    ) -> [UInt8] {
        let code = HMAC<SHA256>.authenticationCode(
            for: message(nonce: nonce, clusterID: clusterID, prover: prover, role: role, challenger: challenger),
            using: SymmetricKey(data: secret.bytes))
        return Array(code)
    }

    /// Whether `proof` is right (compared in constant time).
    static func isValid(
        _ proof: [UInt8], secret: ClusterSecret, nonce: [UInt8], clusterID: String, prover: String, role: Role,
        challenger: String
    ) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(
            proof,
            authenticating: message(nonce: nonce, clusterID: clusterID, prover: prover, role: role, challenger: challenger),
            using: SymmetricKey(data: secret.bytes))
    }

    private static func message(
        nonce: [UInt8], clusterID: String, prover: String, role: Role, challenger: String
    ) -> [UInt8] {
        var w = LittleEndian.Writer()
        w.blob(label)
        w.blob(Array(clusterID.utf8))
        w.blob(Array(prover.utf8))
        w.u8(role.rawValue)
        w.blob(Array(challenger.utf8))
        w.blob(nonce)
        return w.bytes
    }
}
