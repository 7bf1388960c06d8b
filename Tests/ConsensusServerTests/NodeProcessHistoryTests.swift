import ConsensusTesting
import Foundation
import Testing

/// Concurrent HTTP clients on real `consensus node` processes while the leader is killed and
/// restarted; the linearizability checker judges what they saw. The API's error rule is part of
/// what is checked: an operation answered with a definite code (anything but `timeout`) is
/// recorded as never having taken effect, so a refusal that was applied anyway would show up as
/// a history that is not linearizable.
@Suite("consensus node processes: histories")
struct NodeProcessHistoryTests {
    actor History {
        private var history = ClientHistory()
        private let origin = ContinuousClock.now
        private var last: Int64 = -1

        private func now() -> Int64 {
            let d = ContinuousClock.now - origin
            last = max(last + 1, d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
            return last
        }

        func invoke(_ client: Int, _ action: ModelAction) -> Int { history.invoke(client: client, action, at: now()) }
        func complete(_ id: Int, _ output: ModelOutput) { history.complete(id, output, at: now()) }
        /// A definite refusal: the API promises it never takes effect.
        private(set) var refusals: [String: Int] = [:]
        func refused(_ id: Int, code: String) {
            refusals[code, default: 0] += 1
            history.timeOut(id)
            history.discard(id)
        }
        func unknown(_ id: Int) { history.timeOut(id) }
        var operations: [HistoryOperation] { history.operations }
    }

    @Test("put, get, CAS and counter adds from three clients on any member, the leader killed and restarted: the history is linearizable")
    func linearizableUnderLeaderKill() async throws {
        let ids = ["c1", "c2", "c3"]
        let cluster = try NodeProcesses(ids: ids)
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil })
        let history = History()
        let opsPerClient = 40

        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<3 {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    for i in 0..<opsPerClient {
                        let member = ids.randomElement(using: &random)!
                        let key = ["x", "y"].randomElement(using: &random)!
                        switch Int.random(in: 0..<4, using: &random) {
                        case 0:
                            let value = "v\(client)-\(i)"
                            let id = await history.invoke(client, .put(key: key, value: value))
                            let reply = await cluster.call(member, "PUT", "/v1/kv/\(key)", #"{"value": "\#(value)"}"#)
                            await Self.record(reply, id, history) { _ in .written }
                        case 1:
                            let id = await history.invoke(client, .get(key: key))
                            let reply = await cluster.call(member, "GET", "/v1/kv/\(key)")
                            if reply?.status == 404 { await history.complete(id, .value(nil)) } else {
                                await Self.record(reply, id, history) { .value($0["value"] as? String) }
                            }
                        case 2:
                            // Expect what this client last wrote (often stale: then it fails).
                            let expected = "v\(client)-\(max(0, i - 1))", new = "c\(client)-\(i)"
                            let id = await history.invoke(client, .compareAndSwap(key: key, expected: expected, new: new))
                            let reply = await cluster.call(member, "POST", "/v1/kv/\(key)/cas", #"{"expected": "\#(expected)", "value": "\#(new)"}"#)
                            await Self.record(reply, id, history) { .swapped($0["succeeded"] as? Bool ?? false) }
                        default:
                            let id = await history.invoke(client, .counterAdd(key: "hits", delta: 1))
                            let reply = await cluster.call(member, "POST", "/v1/counters/hits/add", #"{"delta": 1}"#)
                            await Self.record(reply, id, history) { .counter(Int64($0["value"] as? Int ?? -1)) }
                        }
                    }
                }
            }
            // Chaos: kill the leader mid-run, then bring it back.
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                guard let leader = await cluster.leader(among: ids) else { return }
                cluster.kill9(leader)
                try await Task.sleep(for: .seconds(2))
                try cluster.start(leader)
            }
            try await group.waitForAll()
        }

        let operations = await history.operations
        let answered = operations.filter { if case .ok = $0.outcome { true } else { false } }.count
        print("node processes history: \(operations.count) checked, \(answered) answered, \(operations.count - answered) unknown, \(3 * opsPerClient - operations.count) refused \(await history.refusals)")
        #expect(answered > opsPerClient, "too few operations answered to mean anything (\(answered))")
        let verdict = LinearizabilityChecker().check(operations)
        let refusals = await history.refusals
        #expect(verdict == .linearizable, "\(verdict)\nrefusals by code: \(refusals)\nlogs: \(ids.map { cluster.log($0).suffix(3000) })")
    }

    /// 200: the output; a JSON error with a definite code: never took effect; `timeout`, a refused
    /// connection or no answer at all (a killed member, a cut connection): unknown.
    static func record(_ reply: (status: Int, json: [String: Any])?, _ id: Int, _ history: History,
                       _ output: ([String: Any]) -> ModelOutput) async {
        guard let reply else { return await history.unknown(id) }
        if reply.status == 200 { return await history.complete(id, output(reply.json)) }
        // A refused connection is not proof that nothing was sent: URLSession may have written the
        // request on a pooled connection to a member that then died, and retried on a new one.
        if let code = reply.json["code"] as? String, !["timeout", "internal", "connection_refused"].contains(code) {
            return await history.refused(id, code: code)
        }
        await history.unknown(id)
    }
}
