import Consensus
import Foundation

extension ClientRequest {
    /// The HTTP call that performs this request: method, path (with the query) and JSON body.
    public var http: (method: String, path: String, body: ConsensusValue?) {
        switch self {
        case .status: return ("GET", "/v1/status", nil)
        case .put(let key, let value): return ("PUT", "/v1/kv/\(Self.escape(key))", ["value": value])
        case .get(let key, let local): return ("GET", "/v1/kv/\(Self.escape(key))" + (local ? "?consistency=local" : ""), nil)
        case .delete(let key): return ("DELETE", "/v1/kv/\(Self.escape(key))", nil)
        case .compareAndSwap(let key, let expected, let new):
            return ("POST", "/v1/kv/\(Self.escape(key))/cas", ["expected": expected ?? .null, "value": new ?? .null])
        case .propose(let key, let value): return ("POST", "/v1/proposals", ["key": .string(key), "value": value])
        case .pending: return ("GET", "/v1/proposals", nil)
        case .vote(let proposal, let accept): return ("POST", "/v1/proposals/\(Self.escape(proposal))/vote", ["accept": .bool(accept)])
        case .lockAcquire(let name, let holder, let ttl, let wait):
            var body: [String: ConsensusValue] = ["holder": .string(holder), "ttlMs": .int(ttl)]
            if let wait { body["waitMs"] = .int(wait) }
            return ("POST", "/v1/locks/\(Self.escape(name))/acquire", .object(body))
        case .lockRenew(let name, let holder, let token, let ttl):
            return ("POST", "/v1/locks/\(Self.escape(name))/renew",
                    ["holder": .string(holder), "token": .int(Int64(clamping: token)), "ttlMs": .int(ttl)])
        case .lockRelease(let name, let holder, let token):
            return ("POST", "/v1/locks/\(Self.escape(name))/release", ["holder": .string(holder), "token": .int(Int64(clamping: token))])
        case .lockShow(let name): return ("GET", "/v1/locks/\(Self.escape(name))", nil)
        case .counterAdd(let name, let delta): return ("POST", "/v1/counters/\(Self.escape(name))/add", ["delta": .int(delta)])
        case .counterGet(let name): return ("GET", "/v1/counters/\(Self.escape(name))", nil)
        case .counterBatch(let ops):
            return ("POST", "/v1/counters/batch", ["ops": .array(ops.map { ["name": .string($0.name), "delta": .int($0.delta)] })])
        case .addMember(let id, let address): return ("POST", "/v1/members", ["id": .string(id), "address": .string(address)])
        case .removeMember(let id): return ("DELETE", "/v1/members/\(Self.escape(id))", nil)
        case .transferLeader(let to): return ("POST", "/v1/leader/transfer", ["to": .string(to)])
        case let .electCampaign(election, candidate, value, ttl, wait):
            var body: [String: ConsensusValue] = ["candidate": .string(candidate), "ttlMs": .int(ttl)]
            if let value { body["value"] = value }
            if let wait { body["waitMs"] = .int(wait) }
            return ("POST", "/v1/elections/\(Self.escape(election))/campaign", .object(body))
        case .electShow(let election): return ("GET", "/v1/elections/\(Self.escape(election))", nil)
        case let .electResign(election, candidate, token):
            return ("POST", "/v1/elections/\(Self.escape(election))/resign", ["candidate": .string(candidate), "token": .int(Int64(clamping: token))])
        case .transaction(let body): return ("POST", "/v1/txn", body)
        }
    }

    /// A member's HTTP answer to this request, as a reply or an error. A key that is not there is
    /// a reply (`{"key", "found": false}`), not an error.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - json: the body.
    ///   - member: who answered (for the message).
    public func reply(status: Int, json: ConsensusValue, from member: String) -> Result<ConsensusValue, ReplError> {
        if (200..<300).contains(status) { return .success(json) }
        let code = json["code"]?.stringValue
        if status == 404, code == "not_found", case .get(let key, let local) = self {
            return .success(["key": .string(key), "found": false, "mayBeStale": .bool(local)])
        }
        var message = json["message"]?.stringValue ?? "HTTP \(status)"
        // Some messages start with their code already: say it once.
        if let code, message.hasPrefix(code + ": ") { message = String(message.dropFirst(code.count + 2)) }
        let outcome: ReplError.Outcome = code == "timeout" || code == nil && status >= 500 ? .unknown : .failed
        let advice = outcome == .unknown ? " (the change may or may not have happened)" : ""
        return .failure(ReplError("\(member): \(code ?? "HTTP \(status)"): \(message)\(advice)", outcome: outcome, code: code))
    }

    /// Whether the request only reads (safe to send again).
    public var isRead: Bool {
        switch self {
        case .status, .get, .pending, .lockShow, .counterGet, .electShow: return true
        default: return false
        }
    }

    /// A path segment, percent-encoded.
    static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
