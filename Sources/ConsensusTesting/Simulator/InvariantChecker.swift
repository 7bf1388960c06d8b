import ConsensusCore

/// The safety properties of Figure 3 of the Raft paper, checked from outside the nodes as the
/// simulation runs. It keeps the one true committed log that every node must agree with.
struct InvariantChecker: Sendable {
    struct Violation: Error {
        var property: String
        var detail: String
    }

    private struct Position: Hashable {
        var index: LogIndex
        var term: Term
    }

    /// Election safety: at most one leader per term.
    private var leaders: [Term: NodeID] = [:]
    /// Log matching: every (index, term) ever persisted, with its content and the term before it.
    private var written: [Position: (digest: UInt64, prevTerm: Term)] = [:]
    /// The committed log: term and digest of entry i at i-1, and the state digest after it.
    private(set) var committedTerms: [Term] = []
    private var committedDigests: [UInt64] = []
    private var stateDigests: [UInt64] = []

    static let initialState: UInt64 = 0x5151_5151_5151_5151

    var committedCount: LogIndex { LogIndex(committedTerms.count) }

    static func digest(_ e: Entry) -> UInt64 {
        fnv1a(e.data, seed: 0xcbf2_9ce4_8422_2325 ^ (e.term &* 0x9E37_79B9) ^ UInt64(e.kind.rawValue) << 56)
    }

    /// The state digest after applying an entry with digest `d` to state `s`.
    static func fold(_ s: UInt64, _ d: UInt64) -> UInt64 {
        var x = s ^ d
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        return x ^ (x >> 27)
    }

    func stateDigest(at index: LogIndex) -> UInt64? {
        if index == 0 { return Self.initialState }
        return index <= committedCount ? stateDigests[Int(index - 1)] : nil
    }

    func committedTerm(at index: LogIndex) -> Term? {
        index >= 1 && index <= committedCount ? committedTerms[Int(index - 1)] : nil
    }

    mutating func leaderElected(_ id: NodeID, term: Term) throws(Violation) {
        if let other = leaders[term], other != id {
            throw Violation(property: "election safety", detail: "nodes \(other) and \(id) both lead term \(term)")
        }
        leaders[term] = id
    }

    /// Leader completeness: a new leader holds every committed entry it has not compacted.
    func checkLeaderCompleteness(_ raft: Raft) throws(Violation) {
        guard committedCount > 0 else { return }
        if raft.lastIndex < committedCount {
            throw Violation(property: "leader completeness",
                            detail: "leader \(raft.id) of term \(raft.term) ends at \(raft.lastIndex) but \(committedCount) is committed")
        }
        let first = max(raft.firstIndex, 1)
        guard first <= committedCount else { return }
        for i in first...committedCount where raft.term(at: i) != committedTerms[Int(i - 1)] {
            throw Violation(property: "leader completeness",
                            detail: "leader \(raft.id) of term \(raft.term) has term \(raft.term(at: i).map(String.init) ?? "none") at \(i), committed term is \(committedTerms[Int(i - 1)])")
        }
    }

    /// Log matching: the same (index, term) always holds the same entry after the same term.
    mutating func persisted(_ id: NodeID, _ entries: [Entry], prevTerm: (LogIndex) -> Term?) throws(Violation) {
        for e in entries {
            let d = Self.digest(e)
            let p = prevTerm(e.index - 1) ?? 0
            let key = Position(index: e.index, term: e.term)
            if let seen = written[key] {
                if seen.digest != d || seen.prevTerm != p {
                    throw Violation(property: "log matching",
                                    detail: "node \(id) persisted a different entry at index \(e.index) term \(e.term) (or after a different term: \(p) vs \(seen.prevTerm))")
                }
            } else {
                written[key] = (d, p)
            }
        }
    }

    /// A node's commit index moved over these entries: they must agree with the committed log.
    mutating func committed(_ id: NodeID, _ entries: [Entry]) throws(Violation) {
        for e in entries {
            let d = Self.digest(e)
            if e.index <= committedCount {
                let i = Int(e.index - 1)
                if committedTerms[i] != e.term || committedDigests[i] != d {
                    throw Violation(property: "state machine safety",
                                    detail: "node \(id) committed term \(e.term) at \(e.index), but term \(committedTerms[i]) was committed there")
                }
            } else if e.index == committedCount + 1 {
                committedTerms.append(e.term)
                committedDigests.append(d)
                stateDigests.append(Self.fold(stateDigests.last ?? Self.initialState, d))
            } else {
                throw Violation(property: "state machine safety",
                                detail: "node \(id) committed \(e.index) but nothing is known committed after \(committedCount)")
            }
        }
    }

    /// A node applied entry `e` on top of state `before` (at index `appliedBefore`).
    func applied(_ id: NodeID, _ e: Entry, appliedBefore: LogIndex, stateAfter: UInt64) throws(Violation) {
        if e.index != appliedBefore + 1 {
            throw Violation(property: "state machine safety", detail: "node \(id) applied \(e.index) after \(appliedBefore)")
        }
        guard let expected = stateDigest(at: e.index) else {
            throw Violation(property: "state machine safety", detail: "node \(id) applied \(e.index), which is not committed")
        }
        if expected != stateAfter {
            throw Violation(property: "state machine safety",
                            detail: "node \(id) applied a different entry at \(e.index) than the committed one")
        }
    }

    /// A snapshot installed on a node must be the committed state at its index.
    func installed(_ id: NodeID, index: LogIndex, state: UInt64) throws(Violation) {
        guard let expected = stateDigest(at: index), expected == state else {
            throw Violation(property: "state machine safety",
                            detail: "node \(id) installed a snapshot at \(index) that is not the committed state")
        }
    }
}
