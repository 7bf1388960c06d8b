import Consensus

/// A member's reply to a ``ClientRequest`` as one or a few lines for people.
public enum ReplyText {
    /// The text for `reply` to `request`.
    public static func describe(_ request: ClientRequest, _ reply: ConsensusValue) -> String {
        let revision = reply["revision"]?.intValue.map { " (revision \($0))" } ?? ""
        switch request {
        case .status:
            return reply.description
        case .put:
            return "ok" + revision
        case .get(let key, _):
            var text: String
            if reply["found"]?.boolValue == false {
                text = "\(key): not found"
            } else {
                text = "\(key) = \(reply["value"] ?? .null)" + revision
            }
            if reply["mayBeStale"]?.boolValue == true {
                text += "  (local read: may be stale" + (reply["staleReason"]?.stringValue.map { ": \($0)" } ?? "") + ")"
            }
            return text
        case .delete(let key):
            switch reply["deleted"]?.boolValue {
            case true?: return "deleted \(key)" + revision
            case false?: return "\(key) was not there" + revision
            case nil: return "ok" + revision
            }
        case .compareAndSwap:
            if reply["succeeded"]?.boolValue == true { return "swapped" + revision }
            return "not swapped: the current value is \(reply["current"] ?? .null)" + revision
        case .propose:
            return proposal(reply)
        case .pending:
            let pending = reply["pending"]?.arrayValue ?? []
            if pending.isEmpty { return "no proposals waiting for a vote" }
            let rows = [["PROPOSAL", "KEY", "VALUE", "PROPOSER"]] + pending.map { p in
                [p["proposalId"]?.stringValue ?? "?", p["key"]?.stringValue ?? "?", (p["value"] ?? .null).description,
                 p["proposer"]?.stringValue ?? "?"]
            }
            return TextTable.render(rows)
        case .vote(let proposal, let accept):
            return "voted \(accept ? "yes" : "no") on \(proposal)"
        case .lockAcquire(let name, let holder, _, _):
            guard reply["acquired"]?.boolValue == true else { return "\(name): not acquired (held by someone else)" }
            return "\(name): acquired by \(holder), token \(reply["token"] ?? .null)" + expiry(reply)
        case .lockRenew(let name, _, let token, _):
            guard reply["renewed"]?.boolValue == true else { return "\(name): not renewed (the grant with token \(token) lapsed or is not yours)" }
            return "\(name): renewed, token \(token)" + expiry(reply)
        case .lockRelease(let name, _, _):
            return reply["released"]?.boolValue == true ? "\(name): released" : "\(name): not released (not the holder's live grant)"
        case .lockShow(let name):
            guard reply["held"]?.boolValue == true else { return "\(name): free" }
            return "\(name): held by \(reply["holder"]?.stringValue ?? "?"), token \(reply["token"] ?? .null)" + expiry(reply)
        case .counterAdd(let name, _), .counterGet(let name):
            return "\(name) = \(reply["value"] ?? .null)"
        case .counterBatch:
            let values = reply["values"]?.objectValue ?? [:]
            return values.keys.sorted().map { "\($0) = \(values[$0] ?? .null)" }.joined(separator: ", ")
        case .addMember(let id, _):
            return "added \(id)"
        case .removeMember(let id):
            return "removed \(id)"
        case .transferLeader(let to):
            return "leadership handed to \(to)"
        case let .electCampaign(election, candidate, _, _, _):
            guard reply["elected"]?.boolValue == true else {
                let leader = reply["leader"]?.stringValue.map { "\($0) leads it" } ?? "someone else leads it"
                return "\(election): \(candidate) not elected (\(leader))"
            }
            return "\(election): \(candidate) elected, token \(reply["token"] ?? .null)" + expiry(reply)
        case .electShow(let election):
            guard let leader = reply["leader"]?.stringValue else { return "\(election): nobody leads" }
            let value = reply["value"].map { ", value \($0)" } ?? ""
            return "\(election): \(leader) leads, token \(reply["token"] ?? .null)\(value)"
        case let .electResign(election, candidate, _):
            return reply["resigned"]?.boolValue == true ? "\(election): \(candidate) resigned" : "\(election): \(candidate) did not lead with that token"
        case .transaction:
            let branch = reply["succeeded"]?.boolValue == true ? "conditions held: 'then' applied" : "conditions failed: 'else' applied"
            return branch + revision
        }
    }

    /// proposeWithResult's answer: accepted or not, the votes, the quorum, the error.
    static func proposal(_ reply: ConsensusValue) -> String {
        let votes = reply["votes"]
        let counts = "votes \(votes?["for"] ?? 0) for, \(votes?["against"] ?? 0) against of \(votes?["total"] ?? 0)"
            + " (quorum \(reply["quorumRequired"] ?? 0))"
        let verdict = reply["accepted"]?.boolValue == true ? "accepted" : "not accepted"
        let error = reply["error"]?.stringValue.map { "; error: \($0)" } ?? ""
        return "\(verdict): \(counts), proposal \(reply["proposalId"]?.stringValue ?? "?")\(error)"
    }

    static func expiry(_ reply: ConsensusValue) -> String {
        reply["expiresAtMs"]?.intValue.map { ", expires at \($0) ms (leader time)" } ?? ""
    }
}
