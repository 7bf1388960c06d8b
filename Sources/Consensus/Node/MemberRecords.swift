/// Where the raft mechanism replicates member names, addresses and metadata: keys under a
/// reserved prefix of the store, written only by the machine itself. A user command on a key
/// under it is refused (``ConsensusError/invalidArgument(_:)``); reads, key listings and events
/// never show them.
public enum MemberRecords {
    /// The reserved prefix.
    public static let prefix = "_cluster/"
    /// The key of one member's record.
    static func key(_ name: String) -> String { prefix + "nodes/" + name }
    /// Whether `key` is reserved for the cluster's own records.
    public static func isReserved(_ key: String) -> Bool { key.hasPrefix(prefix) }
}
