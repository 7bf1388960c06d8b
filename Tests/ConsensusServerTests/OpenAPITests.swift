import Consensus
import ConsensusServer
import Foundation
import Hummingbird
import Testing

/// The OpenAPI description (Sources/ConsensusServer/openapi.yaml) and the router agree: every
/// route is described, and every described operation is a route.
@Suite("HTTP API: OpenAPI description")
struct OpenAPITests {
    /// "GET /v1/kv/{}" for each operation of the file (path parameters blanked).
    static func describedOperations() throws -> Set<String> {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ConsensusServer/openapi.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        var operations: Set<String> = []
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("components:") {
                path = nil
            } else if let path, let method = ["get", "put", "post", "delete"].first(where: { line.hasPrefix("    \($0):") }) {
                operations.insert(method.uppercased() + " " + blank(path))
            }
        }
        return operations
    }

    /// `/v1/kv/{key}` and `/v1/kv/:key` both become `/v1/kv/{}`.
    static func blank(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? "{}" : String(part)
        }.joined(separator: "/")
    }

    @Test("Every route is in openapi.yaml and every operation there is a route")
    func descriptionMatchesRoutes() async throws {
        let node = ConsensusTrait(nodeID: "n1")
        let router = ConsensusAPI(node: node).router()
        let routes = Set(router.routes.map { "\($0.method.rawValue) \(Self.blank("\($0.path)"))" })
        let described = try Self.describedOperations()
        #expect(routes.count >= 20)
        #expect(routes.subtracting(described).isEmpty, "routes missing from openapi.yaml: \(routes.subtracting(described).sorted())")
        #expect(described.subtracting(routes).isEmpty, "described but not routed: \(described.subtracting(routes).sorted())")
    }
}
