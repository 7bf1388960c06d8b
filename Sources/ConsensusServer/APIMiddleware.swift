import Hummingbird

/// Turns every error a route throws into the API's JSON form, so that no request gets an
/// HTML or empty error body: ``APIError`` as it is, Hummingbird's own errors (unknown route,
/// wrong method) with a code from their status, anything else as `internal`.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .methodNotAllowed: code = "method_not_allowed"
            case .contentTooLarge: code = "payload_too_large"
            case .badRequest: code = "bad_request"
            default: code = "http_\(error.status.code)"
            }
            throw APIError(error.status, code: code, error.body ?? "\(error.status.reasonPhrase)")
        } catch {
            throw APIError(.internalServerError, code: "internal", "\(error)")
        }
    }
}

/// With a token configured, every request needs `Authorization: Bearer <token>`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let expected = "Bearer " + token
        guard let given = request.headers[.authorization] else {
            throw APIError(.unauthorized, code: "unauthorized", "this member needs 'Authorization: Bearer <token>' (see --api-token)")
        }
        // Compared in full, whatever the first difference, so timing says nothing about the token.
        let a = Array(given.utf8), b = Array(expected.utf8)
        var difference = a.count ^ b.count
        for i in 0..<max(a.count, b.count) {
            difference |= Int((i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0))
        }
        guard difference == 0 else { throw APIError(.unauthorized, code: "unauthorized", "wrong bearer token") }
        return try await next(request, context)
    }
}
