import Consensus

/// What the process mode learns of elections from the members' events (`vote_requested`,
/// `vote_granted`, `vote_refused`, `leader_elected`), by term: what `why` explains. Events of a
/// member that was down or cut off never arrive, and the report says so rather than guess.
public struct EventElections: Sendable {
    struct Election: Sendable {
        /// Candidates in the order they were first seen asking, and whom each asked.
        var candidates: [String] = []
        var asked: [String: [String]] = [:]
        /// (voter, candidate) → `nil` granted, or the reason it was refused.
        var answers: [String: [String: String?]] = [:]
        var winner: String?
    }

    private var elections: [UInt64: Election] = [:]

    public init() {}

    /// Takes one event of `GET /v1/events` (others are ignored).
    public mutating func add(_ event: ConsensusValue) {
        guard let type = event["type"]?.stringValue, let member = event["member"]?.stringValue,
              let term = event["term"]?.intValue.map({ UInt64(clamping: $0) }) else { return }
        let peer = event["peer"]?.stringValue
        var e = elections[term] ?? Election()
        switch type {
        case "vote_requested":
            guard let candidate = peer else { return }
            if !e.candidates.contains(candidate) { e.candidates.append(candidate) }
            if !(e.asked[candidate] ?? []).contains(member) { e.asked[candidate, default: []].append(member) }
        case "vote_granted":
            guard let candidate = peer else { return }
            e.answers[candidate, default: [:]][member] = .some(nil)
        case "vote_refused":
            guard let candidate = peer else { return }
            e.answers[candidate, default: [:]][member] = .some(event["reason"]?.stringValue ?? "no reason given")
        case "leader_elected":
            guard let leader = event["leader"]?.stringValue else { return }
            e.winner = leader
            if !e.candidates.contains(leader) && elections[term]?.candidates.isEmpty != false { e.candidates.append(leader) }
        default:
            return
        }
        elections[term] = e
    }

    /// The `why` report for `term` (the latest term with an election when `nil`).
    /// - Parameter members: every member, for the majority and for who was never heard from.
    public func explain(term: UInt64?, members: [String]) -> [String] {
        let withCampaigns = elections.filter { !$0.value.candidates.isEmpty }
        guard let term = term ?? withCampaigns.keys.max() else {
            return ["why: no election seen since this session started (elections are explained from the members' events; 'kill leader' starts one)"]
        }
        guard let e = elections[term] else {
            let known = withCampaigns.keys.sorted().map(String.init).joined(separator: " ")
            return ["why: no election seen in term \(term)" + (known.isEmpty ? "" : "; elections seen in terms: \(known)")]
        }
        let majority = members.count / 2 + 1
        var lines: [String] = []
        func votes(_ candidate: String) -> [String] {
            [candidate] + (e.answers[candidate] ?? [:]).filter { $0.value == nil }.keys.sorted()
        }
        if let winner = e.winner {
            let v = votes(winner)
            lines.append("term \(term): \(winner) won with \(v.count) of \(members.count) votes (\(v.joined(separator: " "))); a majority is \(majority)")
        } else {
            lines.append("term \(term): nobody won; a majority is \(majority) of \(members.count)")
        }
        for candidate in e.candidates {
            let asked = e.asked[candidate] ?? []
            let v = votes(candidate)
            lines.append("  \(candidate) campaigned: \(v.count) of \(members.count) votes (\(v.joined(separator: " ")))"
                         + (asked.isEmpty ? "" : "; asked \(asked.joined(separator: " "))"))
            let answers = e.answers[candidate] ?? [:]
            for voter in members where voter != candidate {
                switch answers[voter] {
                case .some(.none): lines.append("  \(voter) granted its vote to \(candidate)")
                case .some(.some(let reason)): lines.append("  \(voter) refused its vote to \(candidate): \(reason)")
                case .none:
                    lines.append("  \(voter) gave \(candidate) no vote that we saw: " + (asked.contains(voter)
                        ? "it got the request but no answer was reported"
                        : "its events say it never got the request (down, paused or cut off?)"))
                }
            }
        }
        return lines
    }
}
