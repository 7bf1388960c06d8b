/// Why a member refused a vote or pre-vote request (§5.2, §5.4.1 of the Raft paper).
public enum VoteRefusal: Sendable, Hashable, CustomStringConvertible {
    /// A log's last entry, as `term/index`.
    public struct LastEntry: Sendable, Hashable, CustomStringConvertible {
        public var index: LogIndex
        public var term: Term
        public init(index: LogIndex, term: Term) {
            self.index = index
            self.term = term
        }
        public var description: String { "\(term)/\(index)" }
    }

    /// It already voted for another candidate in this term: one vote per term.
    case votedFor(NodeID)
    /// It follows a leader of this term, so there is no election to vote in.
    case followsLeader(NodeID)
    /// The candidate's log is less up to date than its own (§5.4.1, the election restriction).
    case logBehind(ours: LastEntry, theirs: LastEntry)

    /// For people, with node ids as numbers: `already voted for 2 in this term`.
    public var description: String { describe(term: nil, voter: nil) { "\($0)" } }

    /// For people, with members named by `name`: `already voted for n2 in term 3`.
    /// - Parameters:
    ///   - term: the voter's term, said when given.
    ///   - voter: the voter's id, so that a vote for itself says so.
    ///   - name: a member's name from its id.
    public func describe(term: Term?, voter: NodeID?, name: (NodeID) -> String) -> String {
        let when = term.map { " in term \($0)" } ?? " in this term"
        switch self {
        case .votedFor(let id) where id == voter: return "already voted for itself\(when) (it is a candidate too)"
        case .votedFor(let id): return "already voted for \(name(id))\(when)"
        case .followsLeader(let id): return "it follows leader \(name(id))\(when)"
        case let .logBehind(ours, theirs):
            return "stale log: the candidate's last entry \(theirs) is behind its own \(ours)"
        }
    }
}
