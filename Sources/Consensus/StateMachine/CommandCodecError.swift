/// Why bytes could not be decoded as a command or a state machine snapshot.
public enum CommandCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// There were no bytes at all (not even the format byte).
    case empty
    /// The first byte names a format this version does not know.
    case unknownFormat(UInt8)
    /// The bytes are damaged: compressed data that does not inflate, JSON that does not decode...
    case corrupt(String)
    /// Inflating would produce more than the allowed number of bytes.
    case decompressedTooLarge(limit: Int)

    /// A sentence saying what went wrong.
    public var description: String {
        switch self {
        case .empty:
            return "empty payload: expected a format byte (0 = JSON, 1 = deflate-compressed JSON, 2 = binary, 3 = deflate-compressed binary)"
        case .unknownFormat(let byte):
            return "unknown payload format byte \(byte): expected 0 (JSON), 1 (deflate-compressed JSON), 2 (binary) or 3 (deflate-compressed binary); was it written by a newer version?"
        case .corrupt(let detail):
            return "corrupt payload: \(detail)"
        case .decompressedTooLarge(let limit):
            return "compressed payload inflates to more than \(limit) bytes"
        }
    }
}
