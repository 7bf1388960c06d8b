import Consensus
import ConsensusServer
@testable import ConsensusREPL
import Foundation
import Testing

/// A backend in memory with one register store, for the session's logic: leader resolution,
/// retries on members that were never reached, history and check, output json. Its `staleRead`
/// answers one read with an old value, as a partitioned ex-leader might.
actor FakeBackend: ReplBackend {
    var store: [String: ConsensusValue] = [:]
    var revision: Int64 = 0
    var leader = "n2"
    var down: Set<String> = []
    var staleRead: ConsensusValue?
    var faults: [ResolvedFault] = []

    func setDown(_ ids: Set<String>) { down = ids }
    func injectStaleRead(_ value: ConsensusValue) { staleRead = value }

    func memberIDs() async -> [String] { ["n1", "n2", "n3"] }

    func reports() async -> [MemberReport] {
        ["n1", "n2", "n3"].map { (id: String) -> MemberReport in
            guard !down.contains(id) else { return MemberReport(id: id, status: nil, note: "killed") }
            return MemberReport(id: id, status: memberStatus(id, role: id == leader ? "leader" : "follower", term: 2, leader: leader, index: 1))
        }
    }

    func send(_ request: ClientRequest, to member: String) async throws(ReplError) -> ConsensusValue {
        if down.contains(member) { throw ReplError("\(member) does not answer", code: "not_sent") }
        switch request {
        case .put(let key, let value):
            revision += 1
            store[key] = value
            return ["revision": .int(revision)]
        case .get(let key, _):
            if let stale = staleRead {
                staleRead = nil
                return ["key": .string(key), "value": stale]
            }
            guard let value = store[key] else { return ["key": .string(key), "found": false] }
            return ["key": .string(key), "value": value, "revision": .int(revision)]
        case .counterAdd:
            throw ReplError("\(member): timeout: slow", outcome: .unknown, code: "timeout")
        default:
            throw ReplError("\(member): bad_request: not in the fake", code: "bad_request")
        }
    }

    func perform(_ fault: ResolvedFault) async throws(ReplError) -> String {
        faults.append(fault)
        if case .kill(let id) = fault { down.insert(id) }
        return "did \(fault)"
    }

    nonisolated func watch(key: String, prefix: Bool, on member: String) -> AsyncThrowingStream<ConsensusValue, any Error> {
        AsyncThrowingStream { $0.finish() }
    }

    nonisolated func events() -> AsyncStream<ConsensusValue> { AsyncStream { $0.finish() } }

    func shutdown() async {}
}

/// A member's status as `GET /v1/status` encodes it (the type has no public initializer: the
/// server makes it), with three voters n1-n3.
func memberStatus(_ id: String, role: String, term: UInt64, leader: String?, index: UInt64) -> MemberStatus {
    let members: [ConsensusValue] = ["n1", "n2", "n3"].map { m in
        ["id": .string(m), "address": .string("127.0.0.1:700\(m.dropFirst())"), "role": m == leader ? "leader" : "voter", "reachable": true]
    }
    let json: ConsensusValue = ["id": .string(id), "role": .string(role), "term": .int(Int64(term)), "leader": leader.map { .string($0) } ?? .null,
                                "commitIndex": .int(Int64(index)), "appliedIndex": .int(Int64(index)), "logLength": .int(Int64(index)),
                                "members": .array(members)]
    // (A fixed shape: decoding it cannot fail unless MemberStatus changes, and then the tests should fail.)
    return try! JSONDecoder().decode(MemberStatus.self, from: JSONEncoder().encode(json))
}

@Suite("REPL: session logic on a fake backend")
struct ReplSessionTests {
    @Test("put then get; kill leader resolves to the leader; a failed command is marked failed")
    func basics() async {
        let backend = FakeBackend()
        let session = ReplSession(backend: backend) { _ in }
        #expect(await session.run("put greeting hello").text == "ok (revision 1)")
        #expect(await session.run("get greeting").text == "greeting = \"hello\" (revision 1)")
        #expect(await session.run("kill leader").text == "did kill(\"n2\")")
        let bad = await session.run("get")
        #expect(bad.failed && bad.text.hasPrefix("error: get: missing key"))
        let unknownMember = await session.run("kill n9")
        #expect(unknownMember.failed && unknownMember.text.contains("no member 'n9'"))
        #expect(await session.run("quit").quit)
    }

    @Test("with no member named, a request that reached nobody goes to the next member")
    func retriesUnreachedMembers() async {
        let backend = FakeBackend()
        await backend.setDown(["n1", "n2"])
        let session = ReplSession(backend: backend) { _ in }
        let put = await session.run("put k 1")
        #expect(!put.failed, "\(put.text)")
        let named = await session.run("put k 2 --on n2")
        #expect(named.failed && named.text.contains("n2 does not answer"))
    }

    @Test("history lists outcomes; check passes a clean history and catches an injected stale read")
    func historyAndCheck() async {
        let backend = FakeBackend()
        let session = ReplSession(backend: backend) { _ in }
        _ = await session.run("put x 1")
        _ = await session.run("counter incr c")          // times out: unknown
        _ = await session.run("get x")
        let clean = await session.run("check")
        #expect(!clean.failed && clean.text.hasPrefix("linearizable"), "\(clean.text)")
        let history = await session.run("history").text
        #expect(history.contains("put x 1") && history.contains("unknown") && history.contains("ok"))

        _ = await session.run("put x 2")
        await backend.injectStaleRead(1)
        _ = await session.run("get x")
        let caught = await session.run("check")
        #expect(caught.failed && caught.text.hasPrefix("not linearizable"), "\(caught.text)")
    }

    @Test("output json prints JSON documents, errors included")
    func json() async {
        let session = ReplSession(backend: FakeBackend()) { _ in }
        _ = await session.run("output json")
        #expect(await session.run("put k 1").text == "{\"revision\":1}")
        #expect(await session.run("nope").text.hasPrefix("{\"error\":\"unknown command 'nope'"))
        #expect(await session.run("leader").text == "{\"leader\":\"n2\",\"term\":2}")
    }

    @Test("trace lines are tagged with member and term")
    func traceLine() {
        #expect(TraceLine.text(["type": "leader_elected", "member": "n1", "leader": "n1", "term": 4], term: 4) == "[n1 t4] leader_elected n1")
        #expect(TraceLine.text(["type": "node_unreachable", "member": "n2", "peer": "n3"], term: nil) == "[n2 t?] node_unreachable n3")
    }
}
