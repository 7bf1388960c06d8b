import ConsensusCore

/// What a member is, as ``DebugState/role`` reports it.
public enum NodeRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case follower
    case preCandidate = "pre-candidate"
    case candidate
    case leader
    /// A simple_majority member (no leaders there).
    case member
    /// Not running.
    case stopped

    public var description: String { rawValue }

    init(_ role: Role) {
        switch role {
        case .follower: self = .follower
        case .preCandidate: self = .preCandidate
        case .candidate: self = .candidate
        case .leader: self = .leader
        }
    }
}

/// What a node knows about itself (the lesson's `getDebugState`, and more).
public struct DebugState: Sendable, Hashable {
    public var nodeID: String
    /// raft: the term; simple_majority: the Lamport clock.
    public var currentTerm: UInt64
    public var role: NodeRole
    public var mechanism: ConsensusConfiguration.Mechanism
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
    /// Proposals of this member's clients waiting for their outcome, and linearizable reads
    /// waiting for their read point (see ``NodeLimits``).
    public var pendingProposals: Int
    public var pendingReads: Int
}
