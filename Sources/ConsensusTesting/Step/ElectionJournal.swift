import Consensus
import ConsensusCore

/// What the step mode saw of every election, by term, for `why`: who campaigned, who voted for
/// whom, who refused and why, and who won. Filled in as messages are delivered; it never
/// changes what the members do.
struct ElectionJournal: Sendable {
    /// One answer (or non-answer) to a vote or pre-vote request.
    struct Ballot: Sendable, Hashable {
        var voter: String
        var candidate: String
        var preVote: Bool
        var answer: Answer
    }

    /// What became of a request.
    enum Answer: Sendable, Hashable {
        case granted
        /// The voter answered no, for this reason.
        case refused(String)
        /// No answer came, for this reason (lost on the way, ignored).
        case none(String)
    }

    /// One term's election.
    struct Election: Sendable {
        var term: Term
        /// Who ran, in order, and whether by pre-vote first.
        var candidates: [String] = []
        var preCandidates: [String] = []
        var ballots: [Ballot] = []
        var winner: String?
    }

    private(set) var elections: [Term: Election] = [:]

    private mutating func touch(_ term: Term, _ change: (inout Election) -> Void) {
        var e = elections[term] ?? Election(term: term)
        change(&e)
        elections[term] = e
    }

    /// A member's role changed to `role` in `term` (its pre-vote is for `term + 1`).
    mutating func roleChanged(_ member: String, role: String, term: Term) {
        switch role {
        case NodeRole.preCandidate.rawValue: touch(term + 1) { if !$0.preCandidates.contains(member) { $0.preCandidates.append(member) } }
        case NodeRole.candidate.rawValue: touch(term) { if !$0.candidates.contains(member) { $0.candidates.append(member) } }
        case NodeRole.leader.rawValue: touch(term) { $0.winner = member }
        default: break
        }
    }

    /// A vote or pre-vote request for `term` got this answer.
    mutating func ballot(term: Term, _ ballot: Ballot) {
        touch(term) { $0.ballots.append(ballot) }
    }

    /// The latest term with an election in it.
    var latestTerm: Term? { elections.keys.max() }

    /// The `why` report for `term` (the latest election when `nil`).
    /// - Parameters:
    ///   - term: the term asked about.
    ///   - voters: how many members vote (for the majority).
    func explain(term: Term?, voters: Int) -> [String] {
        guard let term = term ?? latestTerm else {
            return ["why: no election yet (campaign a member, or tick until an election timeout)"]
        }
        guard let e = elections[term] else {
            let known = elections.keys.sorted().map(String.init).joined(separator: " ")
            return ["why: no election seen in term \(term)" + (known.isEmpty ? "" : "; elections in terms: \(known)")]
        }
        let majority = voters / 2 + 1
        var lines: [String] = []
        if let winner = e.winner {
            let votes = granted(e, to: winner, preVote: false)
            lines.append("term \(term): \(winner) won with \(votes.count) of \(voters) votes (\(votes.joined(separator: " "))); a majority is \(majority)")
        } else {
            lines.append("term \(term): nobody won (yet); a majority is \(majority) of \(voters)")
        }
        for candidate in e.preCandidates {
            let votes = granted(e, to: candidate, preVote: true)
            let outcome = e.candidates.contains(candidate) ? "won it, so it campaigned for real" : "has not won it (yet), so its term has not changed"
            lines.append("  \(candidate) asked for pre-votes first (would I win?): \(votes.count) of \(voters) (\(votes.joined(separator: " "))); it \(outcome)")
        }
        for candidate in e.candidates {
            let votes = granted(e, to: candidate, preVote: false)
            lines.append("  \(candidate) campaigned: \(votes.count) of \(voters) votes (\(votes.joined(separator: " ")))")
        }
        for b in e.ballots {
            let kind = b.preVote ? "pre-vote" : "vote"
            switch b.answer {
            case .granted: lines.append("  \(b.voter) granted its \(kind) to \(b.candidate)")
            case .refused(let why): lines.append("  \(b.voter) refused its \(kind) to \(b.candidate): \(why)")
            case .none(let why): lines.append("  \(b.voter) gave \(b.candidate) no \(kind): \(why)")
            }
        }
        return lines
    }

    /// The members that granted `candidate` a (pre-)vote in `e`, the candidate first.
    private func granted(_ e: Election, to candidate: String, preVote: Bool) -> [String] {
        let others = e.ballots.filter { $0.candidate == candidate && $0.preVote == preVote && $0.answer == .granted }.map(\.voter)
        return [candidate] + others.filter { $0 != candidate }
    }
}
