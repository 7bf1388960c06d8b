/// The peer wire format: how one member's ``PeerFrame``s travel to another over a byte stream.
///
/// Every frame is length-prefixed, versioned and typed:
///
/// ```text
/// offset  size  field
///      0     4  length   u32, little-endian: the bytes that follow (version + type + payload)
///      4     1  version  u8, the wire format version (``PeerWire/version``)
///      5     1  type     u8, a ``PeerFrameType`` code
///      6     n  payload  n = length - 2, laid out per type (see ``PeerFrameType``)
/// ```
///
/// Inside a payload every integer is little-endian (ConsensusCore's `LittleEndian` coder):
/// `u8`, `u32`, `u64`; a byte string is a `u64` length then the bytes; a string is a byte string
/// of UTF-8; a `Bool` is a `u8` that is 0 or 1; a list is a `u32` count then the items. A payload
/// must be read to its last byte: trailing bytes are an error.
///
/// A whole frame (the 4 length bytes included) is at most `frameBytesMax` bytes, by default
/// ``frameBytesMaxDefault``. A receiver refuses a larger length prefix as soon as it has read the
/// 4 bytes, before it buffers or allocates anything for the frame; a sender never produces one
/// (a snapshot that does not fit goes out as ``SnapshotChunk``s, see ``SnapshotChunker``).
///
/// The layout is stable: a change that an older reader would misread gets a new
/// ``version``; a new message gets a new type code, never a reused one.
public enum PeerWire {
    /// The wire format version this build writes and reads.
    public static let version: UInt8 = 1

    /// The peer protocol version this build speaks, sent in every ``Handshake``: the frame layout
    /// (``version``) and the meaning of what frames carry. Members that speak different protocol
    /// versions refuse each other at the handshake, with both versions in the reason.
    ///
    /// - 1: log entries and forwarded commands hold commands as JSON.
    /// - 2: they hold commands in the binary form (`CommandCodec` format 2). A member of version 1
    ///   could not read them and would skip them, so the two do not talk: stop every member,
    ///   upgrade them all, start them again (their data directories, JSON entries included, are
    ///   read as before).
    public static let protocolVersion: UInt8 = 2

    /// The bytes before a frame's payload: length (4), version (1) and type (1).
    public static let headerBytes = 6

    /// The default bound on a whole frame: 4 MiB.
    public static let frameBytesMaxDefault = 4 << 20

    /// The smallest `frameBytesMax` a coder accepts: room for a handshake and a snapshot chunk
    /// with a few members.
    public static let frameBytesMaxMin = 256

    /// The `frameBytesMax` values a coder accepts: from ``frameBytesMaxMin`` to what a `u32`
    /// length prefix can announce.
    public static let frameBytesMaxRange = frameBytesMaxMin...Int(UInt32.max)

    /// `frameBytesMax`, after checking that it is in ``frameBytesMaxRange`` (a configuration
    /// error otherwise, caught at startup).
    static func checked(frameBytesMax: Int) -> Int {
        precondition(
            frameBytesMaxRange.contains(frameBytesMax),
            "frameBytesMax must be in \(frameBytesMaxRange), not \(frameBytesMax)")
        return frameBytesMax
    }
}
