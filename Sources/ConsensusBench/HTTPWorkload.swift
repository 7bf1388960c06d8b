/// What `consensus bench http` asks the members, one request per operation.
public enum HTTPWorkload: String, CaseIterable, Sendable {
    /// `PUT /v1/kv/{key}` with a string value.
    case put
    /// `GET /v1/kv/{key}` (linearizable: ReadIndex through the leader).
    case get
    /// `GET /v1/kv/{key}?consistency=local` (this member's copy, possibly stale).
    case getLocal = "get-local"
    /// `POST /v1/kv/{key}/cas` with the value this connection last saw for the key.
    case cas
    /// `POST /v1/counters/{name}/add` with `delta` 1.
    case counter

    /// The workload named `text` (`put`, `get`, `get-local`, `cas`, `counter`), or `nil`.
    public init?(name text: String) { self.init(rawValue: text) }

    /// Whether the keys must hold a value before the timed run (reads).
    public var needsPrefill: Bool { self == .get || self == .getLocal }

    /// Whether each request appends an entry to the log.
    public var writes: Bool { !needsPrefill }
}

/// One HTTP request of a workload: method, path and JSON body (empty for reads).
public struct HTTPBenchRequest: Sendable, Equatable {
    /// `GET`, `PUT` or `POST`.
    public var method: String
    /// The path and query, as `/v1/kv/bench-000042`.
    public var path: String
    /// The JSON body, or `""`.
    public var body: String

    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path and query.
    ///   - body: the JSON body, `""` for none.
    public init(method: String, path: String, body: String) {
        self.method = method
        self.path = path
        self.body = body
    }
}

/// Keys, values and request bodies of the workloads: deterministic, ASCII only (so no JSON
/// escaping is needed), `valueBytes` long values.
public struct HTTPWorkloadRequests: Sendable {
    /// How many distinct keys (`bench-000000` ...).
    public let keyCount: Int
    /// Bytes of each value (the JSON string's characters, without the quotes).
    public let valueBytes: Int

    /// - Parameters:
    ///   - keyCount: distinct keys, at least 1.
    ///   - valueBytes: bytes per value, at least 1.
    public init(keyCount: Int, valueBytes: Int) {
        precondition(keyCount >= 1 && valueBytes >= 1, "keyCount and valueBytes must be positive")
        self.keyCount = keyCount
        self.valueBytes = valueBytes
    }

    /// The name of key number `index`: `bench-` and six or more digits.
    public func key(_ index: Int) -> String {
        precondition(index >= 0 && index < keyCount, "key index \(index) outside 0..<\(keyCount)")
        let digits = String(index)
        return "bench-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// A value of exactly `valueBytes` ASCII characters that starts with `tag` (cut to fit) and
    /// is padded with `x`: distinct tags give distinct values as long as they fit.
    public func value(tag: String) -> String {
        let head = String(tag.utf8.prefix(valueBytes).map { Character(Unicode.Scalar($0)) })
        return head + String(repeating: "x", count: valueBytes - head.utf8.count)
    }

    /// `PUT /v1/kv/{key}` with `{"value": "<value>"}`.
    public func put(key index: Int, tag: String) -> HTTPBenchRequest {
        HTTPBenchRequest(method: "PUT", path: "/v1/kv/" + key(index), body: #"{"value":"\#(value(tag: tag))"}"#)
    }

    /// `GET /v1/kv/{key}`, linearizable or local.
    public func get(key index: Int, local: Bool) -> HTTPBenchRequest {
        HTTPBenchRequest(method: "GET", path: "/v1/kv/" + key(index) + (local ? "?consistency=local" : ""), body: "")
    }

    /// `POST /v1/kv/{key}/cas` from `expected` (`nil`: the key is absent) to a new value.
    public func compareAndSwap(key index: Int, expected: String?, tag: String) -> HTTPBenchRequest {
        let old = expected.map { "\"\($0)\"" } ?? "null"
        return HTTPBenchRequest(method: "POST", path: "/v1/kv/" + key(index) + "/cas",
                                body: #"{"expected":\#(old),"value":"\#(value(tag: tag))"}"#)
    }

    /// `POST /v1/counters/{name}/add` with `{"delta": 1}` on counter `counter-` and key
    /// `index`'s name (counters live in the key space; the prefix keeps them off the string keys
    /// that the other workloads write).
    public func counterAdd(key index: Int) -> HTTPBenchRequest {
        HTTPBenchRequest(method: "POST", path: "/v1/counters/counter-" + key(index) + "/add", body: #"{"delta":1}"#)
    }
}
