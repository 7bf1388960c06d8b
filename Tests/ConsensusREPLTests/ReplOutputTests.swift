import Consensus
import ConsensusServer
@testable import ConsensusREPL
import Foundation
import Testing

/// Formatting: tables, replies in words, JSON output, the HTTP mapping of requests and replies,
/// server-sent events, and the history that `check` gives the linearizability checker.
@Suite("REPL: output, HTTP mapping, history")
struct ReplOutputTests {
    static func status(_ id: String, role: String, term: UInt64, leader: String?) -> MemberStatus {
        memberStatus(id, role: role, term: term, leader: leader, index: 7)
    }

    @Test("status: a table with the leader marked, a member that does not answer says why; JSON has the same facts")
    func statusTable() {
        let reports = [
            MemberReport(id: "n1", status: nil, note: "killed ('restart n1' brings it back)"),
            MemberReport(id: "n2", status: Self.status("n2", role: "leader", term: 3, leader: "n2")),
            MemberReport(id: "n3", status: Self.status("n3", role: "follower", term: 3, leader: "n2")),
        ]
        let output = StatusView.status(reports)
        #expect(output.text == """
            MEMBER  ROLE      TERM  COMMIT  APPLIED  LOG  REACHABLE  NOTE
            n1      down      -     -       -        -    -          killed ('restart n1' brings it back)
            n2 *    leader    3     7       7        7    3/3
            n3      follower  3     7       7        7    3/3
            * leader: n2 (term 3)
            """)
        #expect(output.json["leader"] == "n2")
        #expect(output.json["members"]?[0]?["up"] == false)
        #expect(output.json["members"]?[1]?["isLeader"] == true)
        #expect(output.rendered(.json).hasPrefix("{\"leader\":\"n2\""))
        #expect(StatusView.leaderLine(reports).text == "n2 leads in term 3")
        #expect(StatusView.leaderLine([reports[0]]).text.hasPrefix("no leader right now"))
    }

    @Test("replies in words: a stale local read says so, a missing key is not an error, a refused cas shows the value")
    func replies() {
        #expect(ReplyText.describe(.put(key: "k", value: 1), ["revision": 5]) == "ok (revision 5)")
        #expect(ReplyText.describe(.get(key: "k", local: false), ["key": "k", "value": "hi", "revision": 5]) == "k = \"hi\" (revision 5)")
        #expect(ReplyText.describe(.get(key: "k", local: true), ["key": "k", "value": 1, "mayBeStale": true, "staleReason": "a follower"])
                == "k = 1  (local read: may be stale: a follower)")
        #expect(ReplyText.describe(.get(key: "k", local: false), ["key": "k", "found": false]) == "k: not found")
        #expect(ReplyText.describe(.compareAndSwap(key: "k", expected: 1, new: 2), ["succeeded": false, "revision": 9, "current": 3])
                == "not swapped: the current value is 3 (revision 9)")
        #expect(ReplyText.describe(.lockAcquire(name: "p", holder: "me", ttlMilliseconds: 1, waitMilliseconds: nil), ["acquired": true, "token": 4])
                == "p: acquired by me, token 4")
        #expect(ReplyText.describe(.counterBatch([]), ["values": ["b": 2, "a": 1]]) == "a = 1, b = 2")
        #expect(ReplyText.describe(.propose(key: "k", value: 1), ["accepted": true, "proposalId": "p1", "quorumRequired": 2,
                                                                   "votes": ["for": 3, "against": 0, "total": 3]])
                == "accepted: votes 3 for, 0 against of 3 (quorum 2), proposal p1")
    }

    @Test("HTTP: each request's method, path and body; error replies keep the API's timeout rule")
    func http() throws {
        #expect(ClientRequest.put(key: "a b", value: 1).http.path == "/v1/kv/a%20b")
        #expect(ClientRequest.get(key: "k", local: true).http.path == "/v1/kv/k?consistency=local")
        #expect(ClientRequest.compareAndSwap(key: "k", expected: nil, new: 1).http.body == ["expected": nil, "value": 1])
        #expect(ClientRequest.lockAcquire(name: "p", holder: "me", ttlMilliseconds: 5, waitMilliseconds: 7).http.body
                == ["holder": "me", "ttlMs": 5, "waitMs": 7])
        #expect(ClientRequest.counterBatch([.init(name: "a", delta: 2)]).http.body == ["ops": [["name": "a", "delta": 2]]])
        let get = ClientRequest.get(key: "k", local: false)
        #expect(try get.reply(status: 404, json: ["code": "not_found", "message": "no key"], from: "n1").get()["found"] == false)
        guard case .failure(let timeout) = ClientRequest.put(key: "k", value: 1).reply(status: 504, json: ["code": "timeout", "message": "slow"], from: "n1"),
              case .failure(let refused) = ClientRequest.put(key: "k", value: 1).reply(status: 503, json: ["code": "no_leader", "message": "none"], from: "n1")
        else { Issue.record("errors expected"); return }
        #expect(timeout.outcome == .unknown && timeout.message.contains("may or may not have happened"))
        #expect(refused.outcome == .failed && refused.message == "n1: no_leader: none")
    }

    @Test("server-sent events arrive in chunks that split lines; comments are skipped")
    func serverSentEvents() {
        var decoder = ServerSentEventDecoder()
        #expect(decoder.feed(Array(": streaming\n\ndata: {\"a\"".utf8)) == [])
        #expect(decoder.feed(Array(":1}\n\n: ping\n\ndata: 2\r\n\r\n".utf8)) == ["{\"a\":1}", "2"])
    }

    @Test("tables align columns and trim the last one")
    func table() {
        #expect(TextTable.render([["A", "LONG"], ["xyz", "1"]]) == "A    LONG\nxyz  1")
    }
}
