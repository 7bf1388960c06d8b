import ConsensusCore

/// What a node knows about itself (the lesson's `getDebugState`, and more).
public struct DebugState: Sendable, Hashable {
    public var nodeID: String
    public var currentTerm: UInt64
    public var role: String
    public var leaderID: String?
    public var votedFor: String?
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    /// Entries in memory (after the last snapshot).
    public var logLength: Int
    public var firstIndex: UInt64
    public var lastIndex: UInt64
    public var snapshotIndex: UInt64
    public var voters: [String]
    public var learners: [String]
    /// Leader only: each follower's match index.
    public var matchIndex: [String: UInt64]
    public var keys: Int
    public var running: Bool
}

extension ConsensusTrait {
    /// A picture of this node's Raft state.
    public var debugState: DebugState {
        if let m = majority {
            return DebugState(nodeID: nodeID, currentTerm: m.lamport, role: "member (simple_majority)", leaderID: nil, votedFor: nil,
                              commitIndex: 0, appliedIndex: 0, logLength: 0, firstIndex: 0, lastIndex: 0, snapshotIndex: 0,
                              voters: m.members.compactMap { name(of: $0) }.sorted(), learners: [], matchIndex: [:],
                              keys: m.values.count, running: true)
        }
        guard let r = raft else {
            return DebugState(nodeID: nodeID, currentTerm: 0, role: "stopped", leaderID: nil, votedFor: nil,
                              commitIndex: 0, appliedIndex: store.appliedIndex, logLength: 0, firstIndex: 0, lastIndex: 0,
                              snapshotIndex: lastSnapshotIndex, voters: [], learners: [], matchIndex: [:],
                              keys: store.count, running: false)
        }
        let s = r.status
        var match: [String: UInt64] = [:]
        for (id, p) in s.progress { match[name(of: id) ?? String(id)] = p.match }
        return DebugState(
            nodeID: nodeID, currentTerm: s.term, role: s.role.description, leaderID: name(of: s.leader),
            votedFor: name(of: s.vote), commitIndex: s.commitIndex, appliedIndex: store.appliedIndex,
            logLength: Int(s.lastIndex + 1 - s.firstIndex), firstIndex: s.firstIndex, lastIndex: s.lastIndex,
            snapshotIndex: lastSnapshotIndex,
            voters: s.configuration.voters.compactMap { name(of: $0) }.sorted(),
            learners: s.configuration.learners.compactMap { name(of: $0) }.sorted(),
            matchIndex: match, keys: store.count, running: true)
    }
}
