/// Why a ``SnapshotChunk`` was refused by ``SnapshotAssembler``. Each one loses the snapshot in
/// progress at most, never the connection's other traffic: the transport logs it and carries on,
/// and the leader, hearing nothing, sends the snapshot again from offset 0.
public enum SnapshotAssemblyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The snapshot is larger than the assembler accepts (refused before anything is buffered).
    case tooLarge(totalBytes: UInt64, snapshotBytesMax: Int)
    /// The chunk's bytes run past the snapshot's announced size.
    case outOfBounds(offset: UInt64, bytes: Int, totalBytes: UInt64)
    /// A chunk from the middle of a snapshot whose start was never received (or was superseded).
    case missingStart(offset: UInt64)
    /// A chunk past the bytes received so far: some chunk is missing. The partial snapshot is
    /// dropped.
    case gap(expectedOffset: UInt64, offset: UInt64)

    public var description: String {
        switch self {
        case let .tooLarge(total, max):
            return "snapshot of \(total) bytes exceeds the maximum of \(max) bytes"
        case let .outOfBounds(offset, bytes, total):
            return "snapshot chunk of \(bytes) bytes at offset \(offset) runs past the snapshot's \(total) bytes"
        case let .missingStart(offset):
            return "snapshot chunk at offset \(offset) of a snapshot whose start was not received"
        case let .gap(expected, offset):
            return "snapshot chunk at offset \(offset), expected \(expected): a chunk is missing, the snapshot is dropped"
        }
    }
}
