/// The state a node must write to stable storage before it answers any message (Figure 2).
public struct HardState: Sendable, Hashable, CustomStringConvertible {
    /// The latest term this node has seen.
    public var term: Term
    /// The candidate this node voted for in `term`, if any.
    public var vote: NodeID?
    /// The highest log index known to be committed. Persisting it is an optimisation (a restarted
    /// node can apply up to it at once); it is never behind what was persisted before.
    public var commit: LogIndex

    public init(term: Term = 0, vote: NodeID? = nil, commit: LogIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public var description: String {
        "term=\(term) vote=\(vote.map(String.init) ?? "none") commit=\(commit)"
    }
}
