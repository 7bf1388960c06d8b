import ConsensusCore

extension LittleEndian.Reader {
    /// Reads a frame's whole payload with `read`, which must use every byte of it.
    ///
    /// - Parameters:
    ///   - payload: The bytes after the frame's header.
    ///   - read: Reads the value from the payload.
    /// - Returns: The value read.
    /// - Throws: What `read` throws, or a `Malformed` naming the bytes it left over.
    static func whole<T>(
        _ payload: ArraySlice<UInt8>, _ read: (inout Self) throws(LittleEndian.Malformed) -> T
    ) throws(LittleEndian.Malformed) -> T {
        var r = Self(payload)
        let value = try read(&r)
        guard r.isAtEnd else {
            throw LittleEndian.Malformed(description: "\(r.remaining) bytes after the payload")
        }
        return value
    }
}
