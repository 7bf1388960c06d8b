/// Counting the votes of one simple-majority proposal: leaderless, one round, a quorum fraction.
///
/// A proposal is accepted once `votesFor >= quorumRequired`, where
/// `quorumRequired = ceil(quorum * members)`; it is rejected as soon as enough members voted
/// against that the quorum can no longer be reached. Only members vote, once each.
public struct MajorityTally: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case pending, accepted, rejected
    }

    public let members: Set<NodeID>
    public let quorumRequired: Int
    public private(set) var votes: [NodeID: Bool] = [:]

    public init(members: Set<NodeID>, quorum: Double) {
        precondition(quorum > 0 && quorum <= 1, "quorum must be in (0, 1]")
        self.members = members
        self.quorumRequired = Self.quorumRequired(members: members.count, quorum: quorum)
    }

    /// `ceil(quorum * members)`, at least 1.
    public static func quorumRequired(members: Int, quorum: Double) -> Int {
        // Subtract a hair so that 0.51 * 100 = 51.000000000000007 does not round up to 52.
        max(1, Int((quorum * Double(members) - 1e-9).rounded(.up)))
    }

    public mutating func record(_ voter: NodeID, accept: Bool) {
        guard members.contains(voter), votes[voter] == nil else { return }
        votes[voter] = accept
    }

    public var votesFor: Int { votes.values.filter { $0 }.count }
    public var votesAgainst: Int { votes.values.filter { !$0 }.count }

    public var outcome: Outcome {
        if votesFor >= quorumRequired { return .accepted }
        if members.count - votesAgainst < quorumRequired { return .rejected }
        return .pending
    }
}

/// The order of simple-majority writes to one key: a Lamport clock, then the proposer's id. Every
/// member keeps, for each key, the accepted write with the highest stamp, whatever order the
/// writes arrive in, so concurrent proposals on one key resolve the same way everywhere.
public struct WriteStamp: Sendable, Hashable, Comparable, Codable {
    public var lamport: UInt64
    public var node: NodeID

    public init(lamport: UInt64, node: NodeID) {
        self.lamport = lamport
        self.node = node
    }

    public static func < (a: WriteStamp, b: WriteStamp) -> Bool {
        (a.lamport, a.node) < (b.lamport, b.node)
    }
}
