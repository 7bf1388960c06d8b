/// Why bytes from a peer are not a frame. Every one of them means the stream can no longer be
/// trusted: the transport closes the connection and logs ``description`` as the reason.
public enum PeerWireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The length prefix announces a frame larger than `frameBytesMax` (both counted with the
    /// 4 length bytes). Raised before anything is buffered for the frame.
    case frameTooLarge(frameBytes: UInt64, frameBytesMax: Int)
    /// The length prefix is too small to hold a version and a type.
    case frameTooShort(length: UInt32)
    /// The frame was written by a wire format version this build does not read.
    case unsupportedVersion(UInt8)
    /// The type byte is not a ``PeerFrameType``.
    case unknownType(UInt8)
    /// The payload does not hold what its type says (too short, trailing bytes, an invalid value).
    case malformed(type: PeerFrameType, reason: String)
    /// The stream ended in the middle of a frame.
    case truncated(bytesLeft: Int)

    public var description: String {
        switch self {
        case let .frameTooLarge(bytes, max):
            return "frame of \(bytes) bytes exceeds the maximum of \(max) bytes"
        case let .frameTooShort(length):
            return "frame length \(length) is too short for a version and a type"
        case let .unsupportedVersion(version):
            return "wire format version \(version) is not supported (this member speaks \(PeerWire.version))"
        case let .unknownType(type):
            return "unknown frame type 0x\(String(type, radix: 16))"
        case let .malformed(type, reason):
            return "malformed \(type) frame: \(reason)"
        case let .truncated(left):
            return "connection closed in the middle of a frame (\(left) bytes of it received)"
        }
    }
}
