/// What a log entry carries.
public enum EntryKind: UInt8, Sendable, Hashable {
    /// An application command; the core never looks inside `data`.
    case normal = 0
    /// The empty entry a new leader appends when it takes office (§8), so that it can commit
    /// entries of earlier terms and serve ReadIndex reads.
    case noop = 1
    /// A membership change; `data` is an encoded ``ConfigChange``.
    case configChange = 2
}

/// One entry of the replicated log (§5.3).
public struct Entry: Sendable, Hashable {
    /// The term of the leader that created the entry.
    public var term: Term
    /// The entry's position in the log.
    public var index: LogIndex
    /// What the entry carries.
    public var kind: EntryKind
    /// The payload, opaque to the core.
    public var data: [UInt8]

    public init(term: Term, index: LogIndex, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// The size used for message and apply bounds: the payload plus a fixed header.
    @inlinable
    public var byteCount: Int { data.count + 24 }
}
