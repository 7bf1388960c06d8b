/// Why a member refused a peer's connection, as carried by ``OpeningFrame/refusal(_:)``. Both
/// sides log it: the refusing member when it refuses, the refused one when the frame arrives.
public struct PeerRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal. Codes are part of the wire format; a code this build does not know
    /// reads as ``other``.
    public enum Reason: UInt8, Sendable, Hashable, CaseIterable {
        /// Anything else (see the message).
        case other = 0
        /// The peer's cluster id differs from this member's.
        case wrongCluster = 1
        /// The peer's name is not a member this one knows (or is this member's own name).
        case unknownNode = 2
        /// The peer speaks a protocol version this member does not.
        case incompatibleVersion = 3
        /// The peer's proof of the shared secret is wrong.
        case authenticationFailed = 4
        /// One side has a shared secret and the other has none.
        case secretMismatch = 5
        /// The peer broke the opening exchange (a frame out of order, no answer in time).
        case protocolViolation = 6
    }

    /// The kind of refusal.
    public var reason: Reason
    /// A human explanation, for the logs (at most ``messageBytesMax`` bytes of UTF-8).
    public var message: String

    /// The longest message, in UTF-8 bytes; a longer one is cut when the frame is written.
    public static let messageBytesMax = 512

    /// - Parameters:
    ///   - reason: The kind of refusal.
    ///   - message: A human explanation.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}
