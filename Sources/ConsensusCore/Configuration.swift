/// Cluster membership: who votes and who only follows the log.
///
/// Learners receive the log but neither vote nor count toward a quorum; a new member joins as a
/// learner and is promoted once it has caught up (§4.2.1 of the Raft dissertation).
public struct Configuration: Sendable, Hashable, CustomStringConvertible {
    public var voters: Set<NodeID>
    public var learners: Set<NodeID>

    public init(voters: Set<NodeID> = [], learners: Set<NodeID> = []) {
        precondition(voters.isDisjoint(with: learners), "a node is either a voter or a learner")
        precondition(!voters.contains(0) && !learners.contains(0), "0 is not a valid node id")
        self.voters = voters
        self.learners = learners
    }

    /// Every member, voters first, in ascending order.
    public var members: [NodeID] { voters.sorted() + learners.sorted() }

    public func contains(_ id: NodeID) -> Bool { voters.contains(id) || learners.contains(id) }

    /// The number of votes that make a majority of the voters.
    public var quorum: Int { voters.count / 2 + 1 }

    /// Whether `granted` contains a majority of the voters.
    public func hasQuorum(_ granted: some Sequence<NodeID>) -> Bool {
        var count = 0
        for id in granted where voters.contains(id) { count += 1 }
        return count >= quorum
    }

    /// The result of an election given the votes received so far.
    public func tally(_ votes: [NodeID: Bool]) -> ElectionResult {
        var granted = 0
        var rejected = 0
        for id in voters {
            switch votes[id] {
            case true?: granted += 1
            case false?: rejected += 1
            case nil: break
            }
        }
        if granted >= quorum { return .won }
        if voters.count - rejected < quorum { return .lost }
        return .pending
    }

    /// The highest index that a majority of voters have, given each voter's match index (§5.3).
    public func committedIndex(_ match: (NodeID) -> LogIndex) -> LogIndex {
        if voters.isEmpty { return 0 }
        let sorted = voters.map(match).sorted(by: >)
        return sorted[quorum - 1]
    }

    /// Applies a change, or explains why it cannot be applied.
    public func applying(_ change: ConfigChange) -> Result<Configuration, ConfigChangeError> {
        var next = self
        switch change {
        case .addLearner(let id):
            guard id != 0 else { return .failure(.invalidNodeID) }
            guard !contains(id) else { return .failure(.alreadyMember(id)) }
            next.learners.insert(id)
        case .promote(let id):
            guard learners.contains(id) else { return .failure(.notALearner(id)) }
            next.learners.remove(id)
            next.voters.insert(id)
        case .remove(let id):
            guard contains(id) else { return .failure(.notAMember(id)) }
            if voters.contains(id) && voters.count == 1 { return .failure(.lastVoter(id)) }
            next.voters.remove(id)
            next.learners.remove(id)
        }
        return .success(next)
    }

    public var description: String {
        let v = voters.sorted().map(String.init).joined(separator: ",")
        let l = learners.sorted().map(String.init).joined(separator: ",")
        return l.isEmpty ? "voters=(\(v))" : "voters=(\(v)) learners=(\(l))"
    }
}

/// The outcome of counting votes.
public enum ElectionResult: Sendable, Hashable {
    case pending, won, lost
}
