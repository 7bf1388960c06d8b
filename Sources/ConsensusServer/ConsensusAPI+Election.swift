import Consensus
import ConsensusRecipes
import Hummingbird

/// `POST /v1/elections/{name}/campaign`: `{"candidate", "value", "ttlMs", "waitMs"?}`.
struct CampaignRequest: Decodable { var candidate: String; var value: ConsensusValue?; var ttlMs: Int64; var waitMs: Int64? }
/// `{"elected", "token"?, "expiresAtMs"?, "leader"?, "value"?}`: this candidate's term when
/// elected; otherwise who leads (if anyone), and no token.
struct CampaignReply: ResponseEncodable {
    var elected: Bool
    var token: UInt64?
    var expiresAtMs: Int64?
    var leader: String?
    var value: ConsensusValue?
}
/// `POST /v1/elections/{name}/renew` and `.../resign`: `{"candidate", "token", "ttlMs"?}`.
struct ElectionTokenRequest: Decodable { var candidate: String; var token: UInt64; var ttlMs: Int64? }
/// `{"resigned"}`: whether this call ended the term.
struct ResignReply: ResponseEncodable { var resigned: Bool }
/// `GET /v1/elections/{name}`: `{"name", "leader"?, "value"?, "token"?}`.
struct ElectionStateReply: ResponseEncodable {
    var name: String
    var leader: String?
    var value: ConsensusValue?
    var token: UInt64?
}

extension ConsensusAPI {
    /// Application leader election (``LeaderElection``): the lock `election/<name>` decides the
    /// terms, the key `election/<name>` holds the published leader.
    func addElectionRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/elections/:name/campaign") { request, context -> CampaignReply in
            let name = try Self.name(context)
            let campaign = try await body(CampaignRequest.self, request)
            let ttl = try Self.checkedTTL(campaign.ttlMs)
            let wait = try Self.checkedWait(campaign.waitMs)
            let election = LeaderElection(name, candidate: campaign.candidate, on: node, ttl: .milliseconds(ttl))
            do throws(RecipeError) {
                let term = try await election.campaign(value: campaign.value ?? .null, wait: wait.map { .milliseconds($0) })
                return CampaignReply(elected: true, token: term.token, expiresAtMs: term.grant.expiresAt,
                                     leader: term.candidate, value: term.value)
            } catch {
                guard case .notElected = error else { throw APIError(error) }
                let current = try? await election.leader()
                return CampaignReply(elected: false, leader: current?.candidate, value: current?.value)
            }
        }
        router.post("/v1/elections/:name/renew") { request, context -> LockRenewReply in
            let name = try Self.name(context)
            let renew = try await body(ElectionTokenRequest.self, request)
            let ttl = try Self.checkedTTL(renew.ttlMs)
            let operation = StoreOperation.lockRenew(name: LeaderElection.prefix + name, holder: renew.candidate,
                                                     token: renew.token, ttlMilliseconds: ttl)
            let (result, _) = try await appliedWithResult(operation)
            guard case .lock(let grant) = result else { throw Self.unexpected(result) }
            return LockRenewReply(renewed: grant != nil, token: renew.token, expiresAtMs: grant?.expiresAt)
        }
        router.post("/v1/elections/:name/resign") { request, context -> ResignReply in
            let name = try Self.name(context)
            let resign = try await body(ElectionTokenRequest.self, request)
            let election = LeaderElection(name, candidate: resign.candidate, on: node)
            return ResignReply(resigned: try await recipe { () async throws(RecipeError) in try await election.resign(token: resign.token) })
        }
        router.get("/v1/elections/:name") { _, context -> ElectionStateReply in
            let name = try Self.name(context)
            let election = LeaderElection(name, candidate: "", on: node)
            let leader = try await recipe { () async throws(RecipeError) in try await election.leader() }
            return ElectionStateReply(name: name, leader: leader?.candidate, value: leader?.value, token: leader?.token)
        }
    }

    /// A TTL in milliseconds from a request: required, from 1 ms to a year.
    static func checkedTTL(_ ttl: Int64?) throws -> Int64 {
        guard let ttl else { throw APIError.badRequest("field 'ttlMs': required, from 1 to \(ttlMillisecondsMax) (a year)") }
        guard (1...ttlMillisecondsMax).contains(ttl) else {
            throw APIError.badRequest("field 'ttlMs': from 1 to \(ttlMillisecondsMax) (a year)")
        }
        return ttl
    }

    /// A wait in milliseconds from a request: absent, or from 0 to ten minutes.
    static func checkedWait(_ wait: Int64?) throws -> Int64? {
        if let wait, !(0...waitMillisecondsMax).contains(wait) {
            throw APIError.badRequest("field 'waitMs': from 0 to \(waitMillisecondsMax) (ten minutes)")
        }
        return wait
    }
}
