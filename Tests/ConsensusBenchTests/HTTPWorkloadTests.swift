import ConsensusBench
import Foundation
import Testing

/// The workloads' requests: the API's paths and valid JSON bodies with values of the asked size.
@Suite("bench http: workloads")
struct HTTPWorkloadTests {
    let requests = HTTPWorkloadRequests(keyCount: 1000, valueBytes: 64)

    @Test("keys are bench- and six digits, as the wrk scripts name them")
    func keys() {
        #expect(requests.key(0) == "bench-000000")
        #expect(requests.key(999) == "bench-000999")
        #expect(HTTPWorkloadRequests(keyCount: 2_000_000, valueBytes: 1).key(1_234_567) == "bench-1234567")
    }

    @Test("values have exactly valueBytes bytes and start with their tag")
    func values() {
        #expect(requests.value(tag: "w1-2-").utf8.count == 64)
        #expect(requests.value(tag: "w1-2-").hasPrefix("w1-2-x"))
        let small = HTTPWorkloadRequests(keyCount: 1, valueBytes: 3)
        #expect(small.value(tag: "abcdef") == "abc")
    }

    @Test("put, get, get-local, cas and counter requests")
    func shapes() throws {
        let put = requests.put(key: 42, tag: "t")
        #expect(put.method == "PUT" && put.path == "/v1/kv/bench-000042")
        let putBody = try json(put.body)
        #expect((putBody["value"] as? String)?.utf8.count == 64)

        #expect(requests.get(key: 7, local: false) == HTTPBenchRequest(method: "GET", path: "/v1/kv/bench-000007", body: ""))
        #expect(requests.get(key: 7, local: true).path == "/v1/kv/bench-000007?consistency=local")

        let cas = requests.compareAndSwap(key: 1, expected: nil, tag: "n")
        #expect(cas.method == "POST" && cas.path == "/v1/kv/bench-000001/cas")
        let casBody = try json(cas.body)
        #expect(casBody["expected"] is NSNull)
        #expect((casBody["value"] as? String)?.hasPrefix("n") == true)
        #expect(try json(requests.compareAndSwap(key: 1, expected: "old", tag: "n").body)["expected"] as? String == "old")

        let add = requests.counterAdd(key: 3)
        #expect(add.method == "POST" && add.path == "/v1/counters/counter-bench-000003/add")
        #expect(try json(add.body)["delta"] as? Int == 1)
    }

    @Test("workload names and which ones read")
    func names() {
        #expect(HTTPWorkload.allCases.map(\.rawValue) == ["put", "get", "get-local", "cas", "counter"])
        #expect(HTTPWorkload(name: "get-local") == .getLocal)
        #expect(HTTPWorkload.allCases.filter(\.needsPrefill) == [.get, .getLocal])
    }

    @Test("the key picker is seeded, stays in range and reaches every key")
    func picker() {
        var a = KeyPicker(keyCount: 10, seed: 3)
        var b = KeyPicker(keyCount: 10, seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let k = a.next()
            #expect(k == b.next())
            #expect((0..<10).contains(k))
            seen.insert(k)
        }
        #expect(seen.count == 10)
        var other = KeyPicker(keyCount: 10, seed: 4)
        #expect((0..<20).map { _ in other.next() } != (0..<20).map { _ in a.next() })
    }

    @Test("owned keys: each connection gets its own residue class, together all keys")
    func ownedKeys() {
        var all = Set<Int>()
        for worker in 0..<3 {
            var p = KeyPicker.owned(worker: worker, connections: 3, keyCount: 10, seed: 1)
            for _ in 0..<500 {
                let k = p.next()
                #expect(k % 3 == worker && (0..<10).contains(k))
                all.insert(k)
            }
        }
        #expect(all == Set(0..<10))
        var few = KeyPicker.owned(worker: 4, connections: 8, keyCount: 2, seed: 1)
        #expect((0..<50).allSatisfy { _ in (0..<2).contains(few.next()) })
    }

    @Test("the CAS tracker expects what it last wrote, or what a refusal reported")
    func casTracker() {
        var t = CompareAndSwapTracker(tagPrefix: "c0")
        let first = t.next(key: 5)
        #expect(first.expected == nil)
        t.record(key: 5, wrote: "A", succeeded: true, current: nil)
        #expect(t.next(key: 5).expected == "A")
        t.record(key: 5, wrote: "B", succeeded: false, current: "Z")
        #expect(t.next(key: 5).expected == "Z")
        t.record(key: 5, wrote: "C", succeeded: false, current: nil)
        #expect(t.next(key: 5).expected == nil)
        #expect(t.succeeded == 1 && t.refused == 2)
        let tags = Set((0..<100).map { _ in t.next(key: 1).tag })
        #expect(tags.count == 100)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
