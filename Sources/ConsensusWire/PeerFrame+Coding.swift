import ConsensusCore
import ConsensusNetwork

/// A frame to bytes and back, without NIO: ``PeerFrameEncoder`` and ``PeerFrameDecoder`` are
/// thin shells over these, and a transport of another kind can use them directly.
extension PeerFrame {
    /// The frame's type byte.
    public var type: PeerFrameType {
        switch self {
        case .handshake: return .handshake
        case .message(let message): return message.frameType
        case .snapshotChunk: return .snapshotChunk
        }
    }

    /// The whole frame: length prefix, version, type and payload (layout in ``PeerWire``).
    ///
    /// - Parameter frameBytesMax: The largest frame allowed, length prefix included.
    /// - Returns: The frame's bytes.
    /// - Throws: ``PeerWireError/frameTooLarge(frameBytes:frameBytesMax:)`` when the frame would
    ///   not fit (cut an `installSnapshot` with ``SnapshotChunker``; keep Raft's
    ///   `maxBytesPerMessage` well under the frame size).
    public func encoded(frameBytesMax: Int = PeerWire.frameBytesMaxDefault) throws(PeerWireError) -> [UInt8] {
        var w = LittleEndian.Writer(bytes: [0, 0, 0, 0])
        w.u8(PeerWire.version)
        w.u8(type.rawValue)
        writePayload(to: &w)
        guard w.bytes.count <= frameBytesMax else {
            throw .frameTooLarge(frameBytes: UInt64(w.bytes.count), frameBytesMax: frameBytesMax)
        }
        var length = LittleEndian.Writer()
        length.u32(UInt32(w.bytes.count - 4))
        w.bytes.replaceSubrange(0..<4, with: length.bytes)
        return w.bytes
    }

    /// Checks the start of a frame as far as it has arrived (1 to 6 bytes are enough for a
    /// verdict on each field) and tells how long the whole frame is.
    ///
    /// - Parameters:
    ///   - header: The first bytes received of the frame (more are ignored).
    ///   - frameBytesMax: The largest frame allowed, length prefix included.
    /// - Returns: The whole frame's size once the length prefix is in, nil before.
    /// - Throws: ``PeerWireError`` for a length out of bounds, a version this build does not
    ///   read or an unknown type, as soon as the byte that shows it has arrived.
    public static func frameBytes(
        header: ArraySlice<UInt8>, frameBytesMax: Int = PeerWire.frameBytesMaxDefault
    ) throws(PeerWireError) -> Int? {
        var r = LittleEndian.Reader(header)
        guard let length = try? r.u32() else { return nil }
        let frameBytes = UInt64(length) + 4
        guard frameBytes <= UInt64(frameBytesMax) else {
            throw .frameTooLarge(frameBytes: frameBytes, frameBytesMax: frameBytesMax)
        }
        guard length >= 2 else { throw .frameTooShort(length: length) }
        if let version = try? r.u8(), version != PeerWire.version {
            throw .unsupportedVersion(version)
        }
        if let type = try? r.u8(), PeerFrameType(rawValue: type) == nil {
            throw .unknownType(type)
        }
        return Int(frameBytes)
    }

    /// Reads one whole frame.
    ///
    /// - Parameters:
    ///   - frame: Exactly one frame's bytes, length prefix included.
    ///   - frameBytesMax: The largest frame allowed, length prefix included.
    /// - Throws: ``PeerWireError``: a bad header, a length that does not match `frame`, or a
    ///   payload that does not hold what its type says.
    public init(
        decoding frame: ArraySlice<UInt8>, frameBytesMax: Int = PeerWire.frameBytesMaxDefault
    ) throws(PeerWireError) {
        let header = frame.prefix(PeerWire.headerBytes)
        let frameBytes = try Self.frameBytes(header: header, frameBytesMax: frameBytesMax)
        guard let frameBytes, header.count == PeerWire.headerBytes, frameBytes <= frame.count else {
            throw .truncated(bytesLeft: frame.count)
        }
        let rawType = header[header.endIndex - 1]
        guard let type = PeerFrameType(rawValue: rawType) else { throw .unknownType(rawType) }
        guard frameBytes == frame.count else {
            throw .malformed(type: type, reason: "\(frame.count - frameBytes) bytes after the frame")
        }
        do throws(LittleEndian.Malformed) {
            self = try LittleEndian.Reader.whole(frame.dropFirst(PeerWire.headerBytes)) { r throws(LittleEndian.Malformed) in
                try Self.readPayload(type, from: &r)
            }
        } catch {
            throw .malformed(type: type, reason: error.description)
        }
    }

    private func writePayload(to w: inout LittleEndian.Writer) {
        switch self {
        case .handshake(let handshake):
            w.u8(handshake.protocolVersion)
            w.string(handshake.clusterID)
            w.string(handshake.nodeName)
        case .message(let message):
            message.write(to: &w)
        case .snapshotChunk(let chunk):
            w.u64(chunk.from)
            w.u64(chunk.to)
            w.u64(chunk.term)
            w.snapshotMetadata(chunk.metadata)
            w.u64(chunk.totalBytes)
            w.u64(chunk.offset)
            w.blob(chunk.data)
        }
    }

    private static func readPayload(
        _ type: PeerFrameType, from r: inout LittleEndian.Reader
    ) throws(LittleEndian.Malformed) -> PeerFrame {
        switch type {
        case .handshake:
            let version = try r.u8(), clusterID = try r.string(), nodeName = try r.string()
            return .handshake(Handshake(protocolVersion: version, clusterID: clusterID, nodeName: nodeName))
        case .snapshotChunk:
            let from = try r.u64(), to = try r.u64(), term = try r.u64()
            let metadata = try r.snapshotMetadata()
            let totalBytes = try r.u64(), offset = try r.u64(), data = try r.blob()
            return .snapshotChunk(SnapshotChunk(
                from: from, to: to, term: term, metadata: metadata,
                totalBytes: totalBytes, offset: offset, data: data))
        default:
            guard let message = try PeerMessage.read(type, from: &r) else {
                throw LittleEndian.Malformed(description: "no reader for \(type)")
            }
            return .message(message)
        }
    }
}
