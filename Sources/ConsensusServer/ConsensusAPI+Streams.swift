import Consensus
import Foundation
import Hummingbird
import ServiceLifecycle

extension ConsensusAPI {
    func addStreamRoutes(to router: Router<BasicRequestContext>) {
        // The lesson's events on this member, as server-sent events, until the client leaves.
        router.get("/v1/events") { _, _ -> Response in
            let events = node.events
            let member = node.nodeID
            return Self.serverSentEvents { send in
                for await event in events { try await send(EventJSON(event, member: member)) }
            }
        }
        // Changes of one key (or, with ?prefix=true, of every key under it), each with the
        // revision that made it; ?fromRevision=N replays the retained changes from N first.
        router.get("/v1/watch/:key") { request, context -> Response in
            let key = try Self.key(context)
            let prefix = request.uri.queryParameters.get("prefix") == "true"
            let matches: @Sendable (String) -> Bool = { changed in prefix ? changed.hasPrefix(key) : changed == key }
            var from: UInt64?
            if let text = request.uri.queryParameters.get("fromRevision") {
                guard let revision = UInt64(text), revision >= 1 else {
                    throw APIError.badRequest("fromRevision must be a revision number (1 or more), not '\(text)'")
                }
                from = revision
            }
            guard node.configuration.mechanism == .raft else {
                if from != nil { throw APIError.badRequest("simple_majority keeps no log, so changes have no revision: watch without fromRevision") }
                let events = node.events
                return Self.serverSentEvents { send in
                    for await event in events {
                        guard case let .stateChanged(changed, newValue, _) = event, matches(changed) else { continue }
                        try await send(WatchJSON(key: changed, value: newValue, deleted: newValue == nil, revision: nil))
                    }
                }
            }
            let feed: ChangeFeed
            switch await node.changes(fromRevision: from) {
            case .success(let f): feed = f
            case .failure(let compacted):
                let applied = await node.debugState.appliedIndex
                throw APIError(.gone, code: "compacted",
                               "\(compacted); the oldest revision a watch can start from is \(compacted.firstRetained): or read the key, then watch from revision \(applied + 1)")
            }
            let first = from ?? 0
            return Self.serverSentEvents { send in
                for change in feed.replay where matches(change.key) {
                    try await send(WatchJSON(key: change.key, value: change.value, deleted: change.value == nil, revision: change.revision))
                }
                for await change in feed.live where change.revision >= first && matches(change.key) {
                    try await send(WatchJSON(key: change.key, value: change.value, deleted: change.value == nil, revision: change.revision))
                }
            }
        }
    }

    /// A `text/event-stream` response: each value sent becomes one `data:` line of JSON. A comment
    /// line every 15 s keeps the connection checked (a client that left is noticed when a write
    /// fails), and a graceful shutdown ends the stream.
    static let keepAliveInterval: Duration = .seconds(15)

    static func serverSentEvents(
        _ produce: @escaping @Sendable (_ send: @Sendable (any Encodable) async throws -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let stream = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(10_000))
            let producer = Task {
                try? await produce { value in
                    let json = try encoder.encode(value)
                    if case .dropped = stream.continuation.yield(ByteBuffer(string: "data: " + String(decoding: json, as: UTF8.self) + "\n\n")) {
                        // Too far behind: end the stream rather than skip changes silently.
                        stream.continuation.finish()
                    }
                }
                stream.continuation.finish()
            }
            let keepAlive = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: keepAliveInterval)
                    stream.continuation.yield(ByteBuffer(string: ": ping\n\n"))
                }
            }
            defer {
                producer.cancel()
                keepAlive.cancel()
            }
            // A comment line first, so that the client sees the stream open at once.
            try await writer.write(ByteBuffer(string: ": streaming\n\n"))
            let continuation = stream.continuation
            try await withGracefulShutdownHandler {
                for await buffer in stream.stream { try await writer.write(buffer) }
            } onGracefulShutdown: {
                continuation.finish()
            }
            try await writer.finish(nil)
        })
    }
}
