/// A read-only picture of a node, for debugging, the REPL and tests.
public struct RaftStatus: Sendable, Hashable {
    public struct PeerProgress: Sendable, Hashable {
        public var match: LogIndex
        public var next: LogIndex
        public var state: String
        public var recentActive: Bool
    }

    public var id: NodeID
    public var term: Term
    public var vote: NodeID?
    public var role: Role
    public var leader: NodeID?
    public var commitIndex: LogIndex
    public var appliedIndex: LogIndex
    public var firstIndex: LogIndex
    public var lastIndex: LogIndex
    public var configuration: Configuration
    public var leadTransferee: NodeID?
    /// Leader only: each other member's replication state.
    public var progress: [NodeID: PeerProgress]
}

extension Raft {
    public var status: RaftStatus {
        RaftStatus(
            id: id, term: term, vote: vote, role: role, leader: leader,
            commitIndex: log.committed, appliedIndex: log.applied,
            firstIndex: log.firstIndex, lastIndex: log.lastIndex,
            configuration: configuration, leadTransferee: leadTransferee,
            progress: progress.mapValues {
                .init(match: $0.match, next: $0.next, state: $0.state.description, recentActive: $0.recentActive)
            })
    }
}
