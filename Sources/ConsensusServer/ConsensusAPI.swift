import Consensus
import ConsensusRecipes
import Hummingbird

/// The HTTP/JSON client API of one member, as a Hummingbird router.
///
/// Every member serves it; a follower forwards writes and linearizable reads to the leader, so
/// a client may talk to any member. Errors are JSON `{"code", "message"}` (see ``APIError``):
/// `timeout` means a write may still take effect; every other code promises it did not.
///
/// ```swift
/// let api = ConsensusAPI(node: node, token: nil)
/// let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public struct ConsensusAPI: Sendable {
    /// The member this API serves.
    public let node: ConsensusTrait
    /// With a token, every request needs `Authorization: Bearer <token>`.
    public let token: String?
    /// The largest request body accepted (bigger: 413 `payload_too_large`).
    public let bodyBytesMax: Int
    /// What `POST /v1/admin/partition` changes (`nil`: the endpoint answers `unsupported`).
    public let peerFilter: PeerFilter?
    /// What `GET /metrics` serves. For the member's own counters (proposals, storage writes),
    /// create the member with `metrics: metrics.factory`.
    public let metrics: MemberMetrics

    public init(node: ConsensusTrait, token: String? = nil, bodyBytesMax: Int = 1 << 20, peerFilter: PeerFilter? = nil,
                metrics: MemberMetrics = MemberMetrics()) {
        self.node = node
        self.token = token
        self.bodyBytesMax = bodyBytesMax
        self.peerFilter = peerFilter
        self.metrics = metrics
    }

    /// The routes, behind the JSON-error and (with a token) bearer-token middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIErrorMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        addStatusRoutes(to: router)
        addKeyValueRoutes(to: router)
        addTransactionRoutes(to: router)
        addProposalRoutes(to: router)
        addLockRoutes(to: router)
        addCounterRoutes(to: router)
        addElectionRoutes(to: router)
        addMemberRoutes(to: router)
        addAdminRoutes(to: router)
        addStreamRoutes(to: router)
        return router
    }

    // MARK: - Helpers shared by the routes

    func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try await JSONBody.decode(type, from: request, limit: bodyBytesMax)
    }

    /// Runs a node call, turning its typed error into the API's. A member that stops or halts on
    /// a storage failure while the call is in flight may already have logged or forwarded the
    /// write: that is `timeout` (unknown outcome), never a definite code. (A member that was not
    /// running when the call came sent nothing: `stopped`.)
    func call<T>(_ operation: () async throws(ConsensusError) -> T) async throws(APIError) -> T {
        let wasRunning = await node.isRunning
        do {
            return try await operation()
        } catch {
            if wasRunning && (error.code == .stopped || error.code == .storage) {
                throw APIError(.gatewayTimeout, code: "timeout",
                               "the member stopped while the request was in flight (\(error)); the change may or may not have been applied")
            }
            throw APIError(error)
        }
    }

    /// Runs a recipe, turning its typed error into the API's.
    func recipe<T>(_ operation: () async throws(RecipeError) -> T) async throws(APIError) -> T {
        do { return try await operation() } catch { throw APIError(error) }
    }

    /// Submits `operation` and returns its result once applied, or throws the refusal. (With
    /// simple_majority, an accepted put or delete has no log index and no result.)
    func applied(_ operation: StoreOperation) async throws(APIError) -> (result: OperationResult?, index: UInt64?) {
        let proposal = try await call { () async throws(ConsensusError) in try await node.submit(operation) }
        guard proposal.accepted || proposal.result != nil else {
            // No code: unknown, so timeout (never a promise it was not applied).
            throw APIError(code: proposal.errorCode ?? .timeout, message: proposal.error ?? "no answer")
        }
        if case .rejected(let reason) = proposal.result { throw APIError(.conflict, code: "rejected", reason) }
        return (proposal.result, proposal.index)
    }

    /// ``applied(_:)`` for an operation whose result raft always gives.
    func appliedWithResult(_ operation: StoreOperation) async throws(APIError) -> (result: OperationResult, index: UInt64) {
        let (result, index) = try await applied(operation)
        guard let result, let index else { throw APIError(.internalServerError, code: "internal", "no result for \(operation)") }
        return (result, index)
    }

    static func key(_ context: BasicRequestContext) throws -> String {
        guard let key = context.parameters.get("key"), !key.isEmpty else { throw APIError.badRequest("missing key in the path") }
        return key
    }

    static func name(_ context: BasicRequestContext) throws -> String {
        guard let name = context.parameters.get("name"), !name.isEmpty else { throw APIError.badRequest("missing name in the path") }
        return name
    }

    /// A result of the wrong kind: a bug, after the change may have been applied, so `timeout`.
    static func unexpected(_ result: OperationResult?) -> APIError {
        APIError(.gatewayTimeout, code: "timeout",
                 "unexpected result \(result.map { "\($0)" } ?? "none"); the change may have been applied")
    }
}
