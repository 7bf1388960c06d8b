import AsyncHTTPClient
import Consensus
import ConsensusServer
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP/JSON API of members, as `consensus repl` and `consensus cluster` call it: every
/// request has a deadline, and every failure is a ``MemberCallError`` that says whether the
/// request may have reached the member.
public enum MemberAPI {
    /// One client for the process. A connection serves one request (a killed or paused member
    /// never leaves a stale pooled connection behind), and connecting gives up after 3 s.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: nil)
        configuration.maximumUsesPerConnection = 1
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The largest answer read (a status, a value): 16 MiB.
    static let replyBytesMax = 16 << 20

    /// One request to the member at `address` (`host:port`).
    /// - Parameters:
    ///   - address: the member's API address.
    ///   - method: `GET`, `PUT`, `POST` or `DELETE`.
    ///   - path: the path and query, as `/v1/kv/greeting?consistency=local`.
    ///   - body: a JSON body, or `nil`.
    ///   - timeout: how long the whole request may take.
    /// - Returns: the HTTP status and the JSON body (`.null` when empty or not JSON).
    public static func call(_ address: String, _ method: String, _ path: String, body: ConsensusValue? = nil,
                            timeout: Duration = .seconds(10)) async throws(MemberCallError) -> (status: Int, json: ConsensusValue) {
        var request = HTTPClientRequest(url: "http://\(address)\(path)")
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.description))
        }
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
            let bytes = try await response.body.collect(upTo: replyBytesMax)
            let json = (try? JSONDecoder().decode(ConsensusValue.self, from: Data(bytes.readableBytesView))) ?? .null
            return (Int(response.status.code), json)
        } catch {
            throw MemberCallError(error, address: address)
        }
    }

    /// GET /v1/status; `nil` when the member does not answer (down, or not listening yet).
    public static func status(_ address: String, timeout: Duration = .seconds(3)) async -> MemberStatus? {
        guard let reply = try? await call(address, "GET", "/v1/status", timeout: timeout), reply.status == 200,
              let data = try? JSONEncoder().encode(reply.json) else { return nil }
        return try? JSONDecoder().decode(MemberStatus.self, from: data)
    }

    /// Every member's status, asked concurrently, by id; members that do not answer are absent.
    /// - Parameter members: `(id, host:port)` of each member's API.
    public static func statuses(_ members: [(id: String, address: String)]) async -> [String: MemberStatus] {
        await withTaskGroup(of: (String, MemberStatus?).self) { group in
            for m in members { group.addTask { (m.id, await status(m.address)) } }
            var result: [String: MemberStatus] = [:]
            for await (id, status) in group { if let status { result[id] = status } }
            return result
        }
    }

    /// The leader the answering members report: the one that says it leads in the highest term.
    public static func leader(_ statuses: [String: MemberStatus]) -> MemberStatus? {
        statuses.values.filter { $0.role == "leader" }.max { $0.term < $1.term }
    }
}

/// A request to a member that got no HTTP answer.
public struct MemberCallError: Error, Sendable, CustomStringConvertible {
    /// Whether the request surely never reached the member (the connection was refused).
    public var notSent: Bool
    /// Whether the deadline passed.
    public var timedOut: Bool
    /// What happened, in a few words.
    public var description: String

    init(_ error: any Error, address: String) {
        let text = "\(error)"
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            timedOut = true
            notSent = false
            description = "no answer from \(address) in time"
        } else if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            timedOut = false
            notSent = false
            description = "cancelled"
        } else if text.localizedCaseInsensitiveContains("refused") {
            timedOut = false
            notSent = true
            description = "connection refused by \(address)"
        } else if let error = error as? HTTPClientError, error == .connectTimeout {
            timedOut = true
            notSent = true
            description = "cannot connect to \(address) in time"
        } else {
            timedOut = false
            notSent = false
            description = "\(address): \(text)"
        }
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole &+ attoseconds / 1_000_000_000
    }
}
