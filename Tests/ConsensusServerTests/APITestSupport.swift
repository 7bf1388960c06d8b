import Consensus
import ConsensusServer
import ConsensusTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A reply as a test sees it: status and JSON body (immutable; `Any` holds only JSON values).
struct Reply: @unchecked Sendable {
    var status: HTTPResponse.Status
    var json: [String: Any]
    var text: String

    subscript(_ key: String) -> Any? { json[key] }
}

/// Calls the API of one member in-process (Hummingbird's router test mode).
struct APIClient {
    let client: any TestClientProtocol

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, token: String? = nil) async throws -> Reply {
        var headers = HTTPFields()
        if body != nil { headers[.contentType] = "application/json" }
        if let token { headers[.authorization] = "Bearer " + token }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            return Reply(status: response.status, json: json, text: text)
        }
    }
}

/// Runs `body` against the API of `node` (router test mode, in the caller's virtual time).
func withAPI<T: Sendable>(_ node: ConsensusTrait, token: String? = nil, bodyBytesMax: Int = 1 << 20,
                          _ body: @Sendable (APIClient) async throws -> T) async throws -> T {
    let app = Application(router: ConsensusAPI(node: node, token: token, bodyBytesMax: bodyBytesMax).router())
    return try await app.test(.router) { client in try await body(APIClient(client: client)) }
}

extension LocalCluster {
    /// The running members other than `leader`.
    func followers(of leader: ConsensusTrait) async -> [ConsensusTrait] {
        var result: [ConsensusTrait] = []
        for node in nodes where node !== leader {
            if await node.isRunning { result.append(node) }
        }
        return result
    }
}
