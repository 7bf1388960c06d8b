import ConsensusCore

/// An opening frame to bytes and back (layout in ``OpeningFrame``; header in ``PeerWire``).
extension OpeningFrame {
    /// The whole frame: length prefix, version, type and payload.
    ///
    /// A refusal's message is cut to ``PeerRefusal/messageBytesMax`` bytes (on a character
    /// boundary), so the frame always fits ``PeerWire/frameBytesMaxMin``.
    public func encoded() -> [UInt8] {
        var w = LittleEndian.Writer(bytes: [0, 0, 0, 0])
        w.u8(PeerWire.version)
        w.u8(type.rawValue)
        switch self {
        case .challenge(let nonce):
            w.blob(nonce)
        case .challengeResponse(let proof):
            w.blob(proof)
        case .refusal(let refusal):
            w.u8(refusal.reason.rawValue)
            w.string(Self.cut(refusal.message, bytesMax: PeerRefusal.messageBytesMax))
        }
        var length = LittleEndian.Writer()
        length.u32(UInt32(w.bytes.count - 4))
        w.bytes.replaceSubrange(0..<4, with: length.bytes)
        return w.bytes
    }

    /// Reads one whole opening frame.
    ///
    /// - Parameters:
    ///   - frame: Exactly one frame's bytes, length prefix included.
    ///   - frameBytesMax: The largest frame allowed, length prefix included.
    /// - Throws: ``PeerWireError``: a bad header, a type that is not an ``OpeningFrameType``
    ///   (``PeerWireError/unknownType(_:)``), or a payload that does not hold what its type says
    ///   (reported as a malformed ``PeerFrameType/handshake`` frame: the opening exchange).
    public init(
        decoding frame: ArraySlice<UInt8>, frameBytesMax: Int = PeerWire.frameBytesMaxDefault
    ) throws(PeerWireError) {
        let header = frame.prefix(PeerWire.headerBytes)
        guard header.count == PeerWire.headerBytes,
            let frameBytes = try PeerFrame.frameBytes(header: header.prefix(5), frameBytesMax: frameBytesMax),
            frameBytes <= frame.count
        else { throw .truncated(bytesLeft: frame.count) }
        let rawType = header[header.endIndex - 1]
        guard let type = OpeningFrameType(rawValue: rawType) else { throw .unknownType(rawType) }
        guard frameBytes == frame.count else {
            throw .malformed(type: .handshake, reason: "\(frame.count - frameBytes) bytes after the \(type) frame")
        }
        do throws(LittleEndian.Malformed) {
            self = try LittleEndian.Reader.whole(frame.dropFirst(PeerWire.headerBytes)) { r throws(LittleEndian.Malformed) in
                try Self.readPayload(type, from: &r)
            }
        } catch {
            throw .malformed(type: .handshake, reason: "\(type) frame: \(error.description)")
        }
    }

    private static func readPayload(
        _ type: OpeningFrameType, from r: inout LittleEndian.Reader
    ) throws(LittleEndian.Malformed) -> OpeningFrame {
        switch type {
        case .challenge:
            let nonce = try r.blob()
            guard (nonceBytesMin...nonceBytesMax).contains(nonce.count) else {
                throw LittleEndian.Malformed(description: "a nonce of \(nonce.count) bytes")
            }
            return .challenge(nonce: nonce)
        case .challengeResponse:
            let proof = try r.blob()
            guard proof.count <= nonceBytesMax else {
                throw LittleEndian.Malformed(description: "a proof of \(proof.count) bytes")
            }
            return .challengeResponse(proof: proof)
        case .refusal:
            let reason = PeerRefusal.Reason(rawValue: try r.u8()) ?? .other
            let message = try r.string()
            guard message.utf8.count <= PeerRefusal.messageBytesMax else {
                throw LittleEndian.Malformed(description: "a refusal message of \(message.utf8.count) bytes")
            }
            return .refusal(PeerRefusal(reason, message))
        }
    }

    /// `text` cut to at most `bytesMax` UTF-8 bytes, on a character boundary.
    static func cut(_ text: String, bytesMax: Int) -> String {
        guard text.utf8.count > bytesMax else { return text }
        var result = ""
        for character in text {
            guard result.utf8.count + character.utf8.count <= bytesMax else { break }
            result.append(character)
        }
        return result
    }
}
