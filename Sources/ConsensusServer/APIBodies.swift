import Consensus
import Hummingbird

// The JSON bodies of the HTTP API, one type per request and reply.

struct KeyValueReply: ResponseEncodable {
    var key: String
    var value: ConsensusValue
    /// The log index that last wrote the key (absent with simple_majority, which has no log).
    var revision: UInt64?
    /// Only for `?consistency=local`.
    var mayBeStale: Bool?
    var staleReason: String?
}

struct PutRequest: Decodable { var value: ConsensusValue }
/// `revision` is absent with simple_majority (no log); so is `deleted`.
struct RevisionReply: ResponseEncodable { var revision: UInt64? }
struct DeleteReply: ResponseEncodable { var revision: UInt64?; var deleted: Bool? }

struct CompareAndSwapRequest: Decodable {
    var expected: ConsensusValue?
    var value: ConsensusValue?

    private enum CodingKeys: String, CodingKey { case expected, value }

    /// Both fields are required; JSON `null` is a value here (absent key, or delete).
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for key in [CodingKeys.expected, .value] where !c.contains(key) {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "required (null is allowed)"))
        }
        // (Not `v.isNull ? nil : v`: ConsensusValue is ExpressibleByNilLiteral, so that `nil`
        // would be `.null` again.)
        func optional(_ key: CodingKeys) throws -> ConsensusValue? {
            let v = try c.decode(ConsensusValue.self, forKey: key)
            if v.isNull { return Optional.none }
            return v
        }
        expected = try optional(.expected)
        value = try optional(.value)
    }
}

struct CompareAndSwapReply: ResponseEncodable {
    var succeeded: Bool
    var revision: UInt64
    var current: ConsensusValue?
}

struct ProposalRequest: Decodable { var key: String; var value: ConsensusValue }

struct ProposalReply: ResponseEncodable {
    struct Votes: Codable { var `for`: Int; var against: Int; var total: Int }
    var proposalId: String
    var accepted: Bool
    var key: String
    var value: ConsensusValue?
    var votes: Votes
    var quorumRequired: Int
    var error: String?
    var code: String?

    init(_ r: ProposalResult) {
        proposalId = r.proposalID
        accepted = r.accepted
        key = r.key
        value = r.value
        votes = Votes(for: r.votes.for, against: r.votes.against, total: r.votes.total)
        quorumRequired = r.quorumRequired
        error = r.error
        code = r.errorCode.map(APIError.code)
    }
}

struct PendingReply: ResponseEncodable {
    struct Pending: Codable { var proposalId: String; var key: String; var value: ConsensusValue?; var proposer: String }
    var pending: [Pending]
}

struct VoteRequest: Decodable { var accept: Bool }
struct OKReply: ResponseEncodable { var ok = true }

struct LockAcquireRequest: Decodable { var holder: String; var ttlMs: Int64; var waitMs: Int64? }
struct LockTokenRequest: Decodable { var holder: String; var token: UInt64; var ttlMs: Int64? }
struct LockReply: ResponseEncodable { var acquired: Bool; var token: UInt64?; var expiresAtMs: Int64? }
struct LockRenewReply: ResponseEncodable { var renewed: Bool; var token: UInt64; var expiresAtMs: Int64? }
struct LockReleaseReply: ResponseEncodable { var released: Bool }
struct LockStateReply: ResponseEncodable { var name: String; var held: Bool; var holder: String?; var token: UInt64?; var expiresAtMs: Int64? }

struct CounterAddRequest: Decodable { var delta: Int64 }
struct CounterReply: ResponseEncodable { var name: String; var value: Int64 }
struct CounterBatchRequest: Decodable {
    struct Op: Decodable { var name: String; var delta: Int64 }
    var ops: [Op]
}
struct CounterBatchReply: ResponseEncodable { var values: [String: Int64] }

struct AddMemberRequest: Decodable { var id: String; var address: String }
struct TransferRequest: Decodable { var to: String }
