/// The shared secret that authenticates the members of a cluster to each other (`--cluster-secret`).
/// Peers prove they hold it by answering a challenge with an HMAC-SHA256; the secret itself is
/// never sent, and never printed (``description`` hides it).
public struct ClusterSecret: Sendable, CustomStringConvertible {
    /// The secret's bytes.
    let bytes: [UInt8]

    /// - Parameter bytes: The secret (at least one byte; 32 random bytes are a good choice).
    public init(_ bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "a cluster secret must not be empty")
        self.bytes = bytes
    }

    /// - Parameter text: The secret as text (its UTF-8 bytes); surrounding whitespace and line
    ///   breaks, as a secret file often ends with, are removed. It must not be empty after
    ///   that: check text read from a flag or a file first.
    public init(_ text: String) {
        self.init(Array(text.trimmingWhitespace.utf8))
    }

    public var description: String { "ClusterSecret(\(bytes.count) bytes, hidden)" }
}

extension String {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}
