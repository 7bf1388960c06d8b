/// Where a snapshot sits in the log and the membership it carries (§7).
public struct SnapshotMetadata: Sendable, Hashable {
    /// The last log index the snapshot replaces.
    public var index: LogIndex
    /// The term of the entry at `index`.
    public var term: Term
    /// The membership in force at `index`.
    public var configuration: Configuration

    public init(index: LogIndex, term: Term, configuration: Configuration) {
        self.index = index
        self.term = term
        self.configuration = configuration
    }
}

/// A snapshot: the application's state machine up to `metadata.index`, as opaque bytes.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}
