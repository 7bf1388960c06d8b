import AsyncHTTPClient
import Consensus
import ConsensusBench
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The shell of `consensus bench http`: `connections` tasks, each with one request in flight at
/// a time, against the members' HTTP API until a deadline. The requests come from
/// ``HTTPWorkloadRequests``; latencies go into each task's own ``LatencyRecorder``.
struct HTTPLoadRunner: Sendable {
    /// The client; its pool holds up to `connections` connections per address.
    let client: HTTPClient
    /// `host:port` of each member to load; connection `i` uses address `i % count`.
    let addresses: [String]
    let requests: HTTPWorkloadRequests
    let connections: Int
    /// How long one request may take before it counts as unanswered.
    var requestTimeout: Duration = .seconds(10)
    /// The largest reply read.
    static let replyBytesMax = 1 << 20

    /// A client for `connections` concurrent connections per address, HTTP/1.1 only.
    static func makeClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.httpVersion = .http1Only
        configuration.timeout = .init(connect: .seconds(3), read: nil)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The answer to one request: the status and body, or `nil` when none came.
    func send(_ request: HTTPBenchRequest, to address: String, timeout: Duration? = nil) async -> (status: Int, body: ByteBuffer)? {
        var http = HTTPClientRequest(url: "http://\(address)\(request.path)")
        http.method = HTTPMethod(rawValue: request.method)
        if !request.body.isEmpty {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(string: request.body))
        }
        do {
            let response = try await client.execute(http, timeout: .milliseconds((timeout ?? requestTimeout).wholeMilliseconds))
            let body = try await response.body.collect(upTo: Self.replyBytesMax)
            return (Int(response.status.code), body)
        } catch {
            return nil
        }
    }

    /// Writes every key once (before a read workload), `connections` at a time.
    /// - Returns: the keys whose write failed.
    func prefill() async -> Int {
        await withTaskGroup(of: Int.self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var failed = 0
                    for index in stride(from: worker, to: requests.keyCount, by: connections) {
                        let reply = await send(requests.put(key: index, tag: "prefill-\(index)-"), to: addresses[worker % addresses.count])
                        if !(reply.map { (200..<300).contains($0.status) } ?? false) { failed += 1 }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// What one connection counted.
    struct Tally: Sendable {
        var latency = LatencyRecorder()
        var failedByStatus: [Int: Int] = [:]
        var transportErrors = 0
        var cas: CompareAndSwapTracker?
    }

    /// Runs `workload` for `duration`, calling `progress` about once a second with a line.
    func run(_ workload: HTTPWorkload, duration: Duration, progress: @escaping @Sendable (String) -> Void) async -> (Tally, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        let counters = Counters()
        let total = await withTaskGroup(of: Tally?.self) { group in
            group.addTask {
                var last = (time: start, ok: 0)
                while clock.now < deadline {
                    try? await Task.sleep(until: min(deadline, last.time + .seconds(1)), clock: clock)
                    let now = clock.now
                    let ok = counters.succeeded.load(ordering: .relaxed)
                    progress(HTTPBenchReport.progressLine(elapsed: (now - start).inSeconds, succeeded: ok,
                                                          failed: counters.failed.load(ordering: .relaxed),
                                                          lastSecondSucceeded: ok - last.ok, interval: (now - last.time).inSeconds))
                    last = (now, ok)
                }
                return nil
            }
            for worker in 0..<connections {
                group.addTask { await connection(worker, workload, until: deadline, counters: counters) }
            }
            var total = Tally()
            if workload == .cas { total.cas = CompareAndSwapTracker(tagPrefix: "") }
            for await case let tally? in group {
                total.latency.add(tally.latency)
                total.failedByStatus.merge(tally.failedByStatus, uniquingKeysWith: +)
                total.transportErrors += tally.transportErrors
                if let cas = tally.cas { total.cas?.add(cas) }
            }
            return total
        }
        return (total, (clock.now - start).inSeconds)
    }

    /// One connection's loop: pick a key, send, record, until the deadline.
    private func connection(_ worker: Int, _ workload: HTTPWorkload, until deadline: ContinuousClock.Instant, counters: Counters) async -> Tally {
        let clock = ContinuousClock()
        let address = addresses[worker % addresses.count]
        let seed = UInt64(worker) &* 7919 &+ 1
        // cas: each connection swaps its own keys, so swaps fail only on a stale first guess.
        var keys = workload == .cas
            ? KeyPicker.owned(worker: worker, connections: connections, keyCount: requests.keyCount, seed: seed)
            : KeyPicker(keyCount: requests.keyCount, seed: seed)
        var tally = Tally()
        if workload == .cas { tally.cas = CompareAndSwapTracker(tagPrefix: "c\(worker)") }
        var sequence = 0
        while clock.now < deadline {
            let index = keys.next()
            sequence += 1
            var swapTo: String?
            let request: HTTPBenchRequest
            switch workload {
            case .put: request = requests.put(key: index, tag: "w\(worker)-\(sequence)-")
            case .get: request = requests.get(key: index, local: false)
            case .getLocal: request = requests.get(key: index, local: true)
            case .counter: request = requests.counterAdd(key: index)
            case .cas:
                let swap = tally.cas!.next(key: index)
                swapTo = requests.value(tag: swap.tag)
                request = requests.compareAndSwap(key: index, expected: swap.expected, tag: swap.tag)
            }
            let sent = clock.now
            guard let reply = await send(request, to: address) else {
                tally.transportErrors += 1
                counters.failed.add(1, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(10))  // a refused connection would spin
                continue
            }
            let elapsed = clock.now - sent
            guard (200..<300).contains(reply.status) else {
                tally.failedByStatus[reply.status, default: 0] += 1
                counters.failed.add(1, ordering: .relaxed)
                continue
            }
            tally.latency.record(elapsed)
            counters.succeeded.add(1, ordering: .relaxed)
            if let swapTo {
                let object = (try? JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView))) as? [String: Any]
                let succeeded = object?["succeeded"] as? Bool ?? false
                tally.cas!.record(key: index, wrote: swapTo, succeeded: succeeded, current: object?["current"] as? String)
            }
        }
        return tally
    }

    /// Requests counted across connections, for the progress line.
    final class Counters: Sendable {
        let succeeded = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
    }
}
