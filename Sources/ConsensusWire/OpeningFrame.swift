/// The frames of a connection's opening exchange that follow the ``Handshake``: proof of a shared
/// secret, and the refusal a member sends before it closes a connection it will not serve. They
/// use the type codes 0x02–0x0F that ``PeerFrameType`` reserves, and the same header as every
/// frame (``PeerWire``). ``ConnectionFrameDecoder`` reads them beside the ``PeerFrame``s.
///
/// | code | frame | payload |
/// | --- | --- | --- |
/// | 0x02 | ``challenge(nonce:)`` | nonce bytes (16 to 64) |
/// | 0x03 | ``challengeResponse(proof:)`` | proof bytes (at most 64) |
/// | 0x04 | ``refusal(_:)`` | reason u8, message string |
public enum OpeningFrame: Sendable, Hashable {
    /// "Prove that you hold the cluster secret": a fresh random nonce, never reused.
    case challenge(nonce: [UInt8])
    /// The answer to the peer's challenge: a MAC of the nonce and both identities under the
    /// shared secret (the secret itself never travels).
    case challengeResponse(proof: [UInt8])
    /// The sender will not serve this connection and closes it; the reason says why.
    case refusal(PeerRefusal)
}

/// The type byte of an ``OpeningFrame`` (within the range ``PeerFrameType`` reserves).
public enum OpeningFrameType: UInt8, Sendable, Hashable, CaseIterable {
    case challenge = 0x02
    case challengeResponse = 0x03
    case refusal = 0x04
}

extension OpeningFrame {
    /// The fewest nonce bytes a challenge carries.
    public static let nonceBytesMin = 16
    /// The most nonce (or proof) bytes a challenge (or response) carries.
    public static let nonceBytesMax = 64

    /// The frame's type byte.
    public var type: OpeningFrameType {
        switch self {
        case .challenge: return .challenge
        case .challengeResponse: return .challengeResponse
        case .refusal: return .refusal
        }
    }
}
