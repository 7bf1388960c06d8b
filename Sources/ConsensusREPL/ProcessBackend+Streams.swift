import AsyncHTTPClient
import Consensus
import Foundation
import NIOCore

extension ProcessBackend {
    public nonisolated func watch(key: String, prefix: Bool, on member: String) -> AsyncThrowingStream<ConsensusValue, any Error> {
        let path = "/v1/watch/\(ClientRequest.escape(key))" + (prefix ? "?prefix=true" : "")
        let address = addresses[member] ?? "?"
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await Self.stream(address, path) { _ = continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public nonisolated func events() -> AsyncStream<ConsensusValue> {
        let book = self.book
        return AsyncStream(bufferingPolicy: .bufferingNewest(10_000)) { continuation in
            let task = Task {
                await withTaskGroup(of: Void.self) { group in
                    var followed: Set<String> = []
                    // Members added later (add-node) are followed from when they appear.
                    while !Task.isCancelled {
                        for id in book.order where !followed.contains(id) {
                            guard let address = book.addresses[id] else { continue }
                            followed.insert(id)
                            group.addTask {
                                // A member that is down (killed, restarting) is asked again every second.
                                while !Task.isCancelled {
                                    try? await Self.stream(address, "/v1/events") { _ = continuation.yield($0) }
                                    try? await Task.sleep(for: .seconds(1))
                                }
                            }
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                    group.cancelAll()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads the server-sent events of `path` on `address` until the stream ends or the task is
    /// cancelled, passing each event's JSON to `yield`.
    static func stream(_ address: String, _ path: String, _ yield: @Sendable (ConsensusValue) -> Void) async throws {
        var request = HTTPClientRequest(url: "http://\(address)\(path)")
        request.method = .GET
        request.headers.add(name: "Accept", value: "text/event-stream")
        // A day: the stream lasts until Ctrl-C cancels the task; connecting still gives up after 3 s.
        let response = try await MemberAPI.client.execute(request, timeout: .hours(24))
        guard response.status.code == 200 else {
            let body = try await response.body.collect(upTo: 1 << 16)
            let json = (try? JSONDecoder().decode(ConsensusValue.self, from: Data(body.readableBytesView))) ?? .null
            throw ReplError("\(address): \(json["message"]?.stringValue ?? "HTTP \(response.status.code)")")
        }
        var decoder = ServerSentEventDecoder()
        for try await chunk in response.body {
            for payload in decoder.feed(chunk.readableBytesView) {
                if let value = try? JSONDecoder().decode(ConsensusValue.self, from: Data(payload.utf8)) { yield(value) }
            }
        }
    }
}
