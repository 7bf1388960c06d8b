import Consensus
import ConsensusRecipes
import Foundation
import Hummingbird

/// An error of the HTTP API: a status and a JSON body `{"code", "message"}`.
///
/// The rule for writes: `timeout` means the change may still take effect; every other code
/// promises that it did not and will not.
public struct APIError: Error, HTTPResponseError, Sendable, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable, snake_case code that programs switch on.
    public var code: String
    /// What went wrong and what to do, for people.
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = (try? JSONEncoder().encode(Body(code: code, message: message))) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    struct Body: Codable { var code: String; var message: String }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }
}

extension APIError {
    /// The API's form of a node's error (same meaning, snake_case code).
    public init(_ error: ConsensusError) {
        self.init(Self.status(of: error.code), code: Self.code(error.code), error.description)
    }

    /// The API's form of a refusal carried in a ``ProposalResult``.
    init(code: ConsensusErrorCode, message: String) {
        self.init(Self.status(of: code), code: Self.code(code), message)
    }

    /// The API's form of a recipe's error.
    init(_ error: RecipeError) {
        switch error {
        case .outcomeUnknown: self.init(.gatewayTimeout, code: "timeout", error.description)
        case .notApplied: self.init(.serviceUnavailable, code: "not_applied", error.description)
        case .rejected, .conflict: self.init(.conflict, code: "rejected", error.description)
        case .lockLost: self.init(.conflict, code: "lock_lost", error.description)
        case .lockNotAcquired: self.init(.conflict, code: "lock_not_acquired", error.description)
        case .notElected: self.init(.conflict, code: "not_elected", error.description)
        case .leadershipLost: self.init(.conflict, code: "leadership_lost", error.description)
        case .needsRaft: self.init(.notImplemented, code: "unsupported", error.description)
        }
    }

    /// `noLeader` → `no_leader`; `invalidArgument` → `bad_request`.
    static func code(_ code: ConsensusErrorCode) -> String {
        if code == .invalidArgument { return "bad_request" }
        var out = ""
        for c in code.rawValue {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    static func status(of code: ConsensusErrorCode) -> HTTPResponse.Status {
        switch code {
        case .noLeader, .noQuorum, .notLeader, .stopped: return .serviceUnavailable
        case .timeout: return .gatewayTimeout
        case .overloaded: return .tooManyRequests
        case .rejected, .membership: return .conflict
        case .invalidArgument: return .badRequest
        case .unsupported: return .notImplemented
        case .storage, .invalidConfiguration: return .internalServerError
        }
    }
}
