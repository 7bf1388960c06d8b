/// Why a ``FileStorage`` cannot open, load or write its data directory. Each case says what
/// happened, where, and what the operator can do about it.
public enum StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A checksum failed, a record is malformed, or the log has a gap, somewhere other than a
    /// torn write at the very end of the last segment. The node must not start: dropping the rest
    /// could lose committed entries.
    case corruption(file: String, offset: Int, reason: String)
    /// Another ``FileStorage`` (in this process or another one) holds the directory's LOCK.
    case locked(directory: String)
    /// The directory's FORMAT file names a format this build does not read.
    case unsupportedFormat(found: String, expected: String)
    /// A WAL segment the log needs is not there.
    case missingSegment(file: String, reason: String)
    /// The WAL refers to a snapshot whose file is not there.
    case missingSnapshot(file: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The storage was closed with ``FileStorage/close()``.
    case closed(directory: String)

    public var description: String {
        switch self {
        case let .corruption(file, offset, reason):
            return "storage corruption in \(file) at byte offset \(offset): \(reason). "
                + "The node refuses to start rather than silently drop data that may be committed. "
                + "Restore the data directory from a backup, or remove it and let this node rejoin "
                + "the cluster as a new member so that it catches up from the leader."
        case let .locked(directory):
            return "the data directory \(directory) is in use: its LOCK file is held by another "
                + "FileStorage (in this process or another one). Stop the other node first, or give "
                + "this one its own directory."
        case let .unsupportedFormat(found, expected):
            return "unsupported storage format: the directory's FORMAT file says '\(found)', this "
                + "build reads '\(expected)'. Use a matching build, or point the node at another directory."
        case let .missingSegment(file, reason):
            return "missing WAL segment \(file): \(reason). The log cannot be replayed without it; "
                + "restore it from a backup, or remove the data directory and let this node rejoin "
                + "the cluster so that it catches up from the leader."
        case let .missingSnapshot(file):
            return "missing snapshot file \(file): the write-ahead log says the log before it was "
                + "compacted into this snapshot, so the state cannot be rebuilt without it. Restore it "
                + "from a backup, or remove the data directory and let this node rejoin the cluster."
        case let .io(operation, path, code):
            return "\(operation) failed on \(path): \(errnoDescription(code)) (errno \(code))"
        case let .closed(directory):
            return "the storage for \(directory) is closed"
        }
    }
}
