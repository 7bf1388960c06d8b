import Consensus

/// Who leads an election (``LeaderElection``): the candidate, the value it published, and the
/// fencing token of its term.
///
/// Tokens are the election lock's fencing tokens: strictly larger for every new term, so a
/// resource that remembers the highest token it has seen (``FencedResource``) refuses a deposed
/// leader's writes once the next leader has written.
///
/// ```swift
/// if let leader = try await election.leader() {
///     print("\(leader.candidate) leads term \(leader.token) with \(leader.value ?? .null)")
/// }
/// ```
public struct ElectionLeader: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The elected candidate's name.
    public var candidate: String
    /// The value the leader published (``LeaderElection/campaign(value:wait:)``,
    /// ``Leadership/proclaim(_:)``); `nil` only in the short moment between a candidate's election
    /// and the publication of its value, as ``LeaderElection/leader()`` can see it.
    public var value: ConsensusValue?
    /// The term's fencing token: strictly larger for every new term of the same election.
    public var token: UInt64

    /// Creates a leader description.
    public init(candidate: String, value: ConsensusValue?, token: UInt64) {
        self.candidate = candidate
        self.value = value
        self.token = token
    }

    public var description: String {
        "\(candidate) (token \(token)\(value.map { ", value \($0)" } ?? ""))"
    }
}

extension ElectionLeader {
    /// The leader's record as stored under the election's key:
    /// `{"candidate": ..., "value": ..., "token": ...}`.
    public var record: ConsensusValue {
        .object(["candidate": .string(candidate), "value": value ?? .null, "token": .int(Int64(clamping: token))])
    }

    /// Reads a stored record; `nil` for an absent key or a value that is not a leader record.
    public init?(record: ConsensusValue?) {
        guard let record, let candidate = record["candidate"]?.stringValue,
              let token = record["token"]?.intValue, token >= 0 else { return nil }
        self.init(candidate: candidate, value: record["value"] ?? .null, token: UInt64(token))
    }

    /// Who leads, given the published record and the election lock's live grant, both read from
    /// the same applied state: nobody if the lock is free or lapsed; the record if it belongs to
    /// the grant's term; otherwise the grant's holder, whose value is not published yet (`value`
    /// is `nil`).
    public static func current(record: ConsensusValue?, grant: LockGrant?) -> ElectionLeader? {
        guard let grant else { return nil }
        if let published = ElectionLeader(record: record), published.token == grant.token { return published }
        return ElectionLeader(candidate: grant.holder, value: nil, token: grant.token)
    }
}
