import ConsensusCore
import ConsensusTesting

// Helpers shared by the scenario tests.

/// Entries with these terms at indexes 1, 2, ...
func entries(terms: [Term], from first: LogIndex = 1) -> [Entry] {
    terms.enumerated().map { i, t in Entry(term: t, index: first + LogIndex(i), data: Array("\(t)/\(first + LogIndex(i))".utf8)) }
}

/// The persisted state of a founding member of `voters` whose log holds entries of `terms`.
func persisted(voters: Set<NodeID>, term: Term, vote: NodeID? = nil, commit: LogIndex = 0, log terms: [Term] = []) -> PersistentState {
    var state = PersistentState.bootstrap(voters: voters)
    state.hardState = HardState(term: term, vote: vote, commit: commit)
    state.entries = entries(terms: terms)
    return state
}

/// Options with the paper's plain Raft (no pre-vote, no check-quorum) or the project's defaults.
func options(
    preVote: Bool = true, checkQuorum: Bool = true,
    maxInflight: Int = 256, maxBytes: Int = 1 << 20
) -> RaftOptions {
    var o = RaftOptions()
    o.preVote = preVote
    o.checkQuorum = checkQuorum
    o.maxInflightMessages = maxInflight
    o.maxBytesPerMessage = maxBytes
    return o
}

/// A single Raft node driven by hand.
func node(_ id: NodeID, _ state: PersistentState, options: RaftOptions = RaftOptions(), seed: UInt64 = 1) -> Raft {
    Raft(id: id, options: options, storage: state, random: SplitMix64(seed: seed))
}

extension Raft {
    /// Takes the pending batch of work, acknowledges it, and returns its messages.
    mutating func drainMessages() -> [Message] {
        guard hasReady else { return [] }
        let rd = ready()
        advance(rd)
        return rd.messages
    }
}

/// A cluster of `voters` in which node `leader` won the first election and everything settled.
func electedCluster(_ voters: [NodeID] = [1, 2, 3], leader: NodeID = 1, options: RaftOptions = RaftOptions()) -> InteractionCluster {
    let c = InteractionCluster(voters: voters, options: options)
    c.campaign(leader)
    c.stabilize()
    precondition(c.leader == leader, "node \(leader) did not win the first election")
    return c
}

/// Whether every listed node holds the same log (terms at every index) as `reference`.
func sameLog(_ c: InteractionCluster, _ ids: [NodeID], as reference: NodeID) -> Bool {
    ids.allSatisfy { c[$0].lastIndex == c[reference].lastIndex && c.logTerms($0) == c.logTerms(reference) }
}

/// How many `MsgAppResp` rejections `from` sent.
func rejections(_ c: InteractionCluster, from: NodeID) -> Int {
    c.history.filter {
        if $0.from == from, case .appendResponse(false, _, _, _) = $0.kind { return true }
        return false
    }.count
}

/// The appends `from` sent `to` that carried entries.
func appends(_ messages: [Message], from: NodeID, to: NodeID) -> [[Entry]] {
    messages.compactMap {
        guard $0.from == from, $0.to == to, case let .append(_, _, entries, _) = $0.kind, !entries.isEmpty else { return nil }
        return entries
    }
}
