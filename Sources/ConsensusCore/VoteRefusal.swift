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
    public var description: String {
        switch self {
        case .votedFor(let id): return "already voted for \(id) in this term"
        case .followsLeader(let id): return "follows leader \(id) in this term"
        case let .logBehind(ours, theirs):
            return "stale log: the candidate's last entry \(theirs) is behind its own \(ours)"
        }
    }
}
