import Foundation
import Testing

/// Three real `consensus node` processes on loopback (real sockets, real fsync, real SIGKILL).
/// Real time: every wait polls with a generous bound; nothing asserts on elapsed time.
@Suite("consensus node processes", .serialized)
struct NodeProcessTests {
    @Test("Writes through every member; kill -9 of the leader; a new leader serves; no acknowledged write is lost; the old leader restarts and catches up")
    func killTheLeader() async throws {
        let ids = ["n1", "n2", "n3"]
        let cluster = try NodeProcesses(ids: ids)
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil }, "no leader: \(cluster.log("n1"))")

        // Writes through every member (followers forward).
        var acknowledged: [String: Int] = [:]
        for (i, id) in ids.enumerated() {
            let reply = await cluster.call(id, "PUT", "/v1/kv/k\(i)", #"{"value": \#(i)}"#)
            #expect(reply?.status == 200, "PUT through \(id): \(String(describing: reply?.json))")
            if reply?.status == 200 { acknowledged["k\(i)"] = i }
        }

        // SIGKILL the leader; the two others elect a new one and keep serving.
        let old = try #require(await cluster.leader(among: ids))
        cluster.kill9(old)
        let survivors = ids.filter { $0 != old }
        #expect(await cluster.eventually { if let l = await cluster.leader(among: survivors) { return l != old } else { return false } })
        for (i, id) in survivors.enumerated() {
            var written = false
            // A write right after the election may meet a member that has not heard of it yet:
            // retry only on definite refusals (never on timeout, whose outcome is unknown).
            _ = await cluster.eventually {
                guard let reply = await cluster.call(id, "PUT", "/v1/kv/after\(i)", #"{"value": \#(i)}"#) else { return false }
                if reply.status == 200 { written = true; return true }
                return reply.json["code"] as? String == "timeout"
            }
            if written { acknowledged["after\(i)"] = i }
        }
        #expect(acknowledged.count == 5)

        // Every acknowledged write is there (linearizable reads through a survivor).
        for (key, value) in acknowledged {
            let read = await cluster.call(survivors[0], "GET", "/v1/kv/\(key)")
            #expect(read?.json["value"] as? Int == value, "\(key): \(String(describing: read?.json))")
        }

        // The old leader restarts from its data directory and catches up.
        try cluster.start(old)
        for (key, value) in acknowledged {
            #expect(await cluster.eventually {
                await cluster.call(old, "GET", "/v1/kv/\(key)?consistency=local")?.json["value"] as? Int == value
            }, "\(old) never caught up on \(key)")
        }
    }

    @Test("GET /metrics: Prometheus text with the leader's role and term, proposals by outcome, storage write (fsync) latency, peers reachable")
    func metrics() async throws {
        let ids = ["m1", "m2", "m3"]
        let cluster = try NodeProcesses(ids: ids)
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil }, "no leader: \(cluster.log("m1"))")
        let leader = try #require(await cluster.leader(among: ids))
        for i in 0..<3 {
            #expect(await cluster.call(leader, "PUT", "/v1/kv/m\(i)", #"{"value": \#(i)}"#)?.status == 200)
        }
        let text = try #require(await cluster.text(leader, "/metrics"))
        /// The value of the sample whose name and labels start with `prefix`.
        func sample(_ prefix: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect(sample(#"consensus_role{member="\#(leader)",role="leader"}"#) == 1, "\(text)")
        #expect(sample(#"consensus_role{member="\#(leader)",role="follower"}"#) == 0)
        #expect((sample(#"consensus_term{member="\#(leader)"}"#) ?? 0) >= 1)
        #expect((sample(#"consensus_commit_index{member="\#(leader)"}"#) ?? 0) >= 3)
        #expect((sample(#"consensus_proposals_total{member="\#(leader)",outcome="accepted"}"#) ?? 0) >= 3, "\(text)")
        #expect((sample(#"consensus_storage_write_duration_seconds_count{member="\#(leader)"}"#) ?? 0) >= 3, "\(text)")
        for peer in ids where peer != leader {
            #expect(text.contains(#"consensus_peer_queue_depth{member="\#(leader)",peer="\#(peer)"}"#), "\(text)")
            #expect(await cluster.eventually {
                let now = await cluster.text(leader, "/metrics") ?? ""
                return now.contains(#"consensus_peer_reachable{member="\#(leader)",peer="\#(peer)"} 1"#)
            }, "\(peer) never reported reachable")
        }
    }

    @Test("Admin partition: the isolated member answers no_quorum for writes and linearizable reads, and those writes never take effect; the majority serves; healing restores service")
    func adminPartition() async throws {
        let ids = ["p1", "p2", "p3"]
        let cluster = try NodeProcesses(ids: ids)
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil })

        let cut = await cluster.call("p1", "POST", "/v1/admin/partition", #"{"drop": ["p2", "p3"]}"#)
        #expect(cut?.status == 200 && (cut?.json["dropped"] as? [String]) == ["p2", "p3"], "\(String(describing: cut?.json))")
        let unknown = await cluster.call("p1", "POST", "/v1/admin/partition", #"{"drop": ["nobody"]}"#)
        #expect(unknown?.status == 400)

        // Once p1 knows it is cut off, its writes fail fast with no_quorum (before that, a write
        // may time out: its outcome is unknown, so those keys are not checked below).
        var refused: [String] = []
        var attempt = 0
        #expect(await cluster.eventually {
            attempt += 1
            let key = "minority-\(attempt)"
            guard let reply = await cluster.call("p1", "PUT", "/v1/kv/\(key)", #"{"value": 1}"#) else { return false }
            if reply.json["code"] as? String == "no_quorum" { refused.append(key); return true }
            return false
        }, "p1 never answered no_quorum")
        let read = await cluster.call("p1", "GET", "/v1/kv/anything")
        #expect(read?.json["code"] as? String == "no_quorum", "\(String(describing: read?.json))")

        // The majority elects (or keeps) a leader and serves.
        #expect(await cluster.eventually {
            await cluster.call("p2", "PUT", "/v1/kv/majority", #"{"value": 2}"#)?.status == 200
        })

        // Heal: p1 catches up and serves again; the refused writes are nowhere.
        #expect(await cluster.call("p1", "DELETE", "/v1/admin/partition")?.status == 200)
        #expect(await cluster.eventually {
            await cluster.call("p1", "GET", "/v1/kv/majority")?.json["value"] as? Int == 2
        }, "p1 did not catch up after healing")
        #expect(await cluster.eventually { await cluster.call("p1", "PUT", "/v1/kv/healed", #"{"value": 3}"#)?.status == 200 })
        for key in refused {
            for id in ids {
                let r = await cluster.call(id, "GET", "/v1/kv/\(key)?consistency=local")
                #expect(r?.status == 404, "\(key) refused with no_quorum but present on \(id)")
            }
        }
    }

    @Test("Membership over the API: a fourth member started with --join is added, catches up from a snapshot larger than a frame (the log was compacted: it can only come in chunks) and counts as a voter; a member is removed")
    func membership() async throws {
        let ids = ["m1", "m2", "m3"]
        let cluster = try NodeProcesses(ids: ids, extraArguments: ["--snapshot-interval", "10"])
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.leader(among: ids) != nil })
        // 20 values of 300 KB of incompressible text: a snapshot of about 6 MB, over the 4 MiB
        // frame limit.
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        for i in 0..<20 {
            let filler = String((0..<300_000).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
            #expect(await cluster.call("m2", "PUT", "/v1/kv/big\(i)", #"{"value": "\#(filler)"}"#)?.status == 200)
        }
        for i in 0..<20 {
            #expect(await cluster.call("m2", "PUT", "/v1/kv/before\(i)", #"{"value": \#(i)}"#)?.status == 200)
        }

        let address = try cluster.addJoiner("m4")
        try cluster.start("m4")
        let leader = try #require(await cluster.leader(among: ids))
        // Compacted: the leader keeps fewer than the 40 entries written, so m4 needs a snapshot.
        let logLength = await cluster.call(leader, "GET", "/v1/status")?.json["logLength"] as? Int
        #expect((logLength ?? 40) < 40, "the leader's log was not compacted: \(String(describing: logLength))")
        let added = await cluster.call(leader, "POST", "/v1/members", #"{"id": "m4", "address": "\#(address)"}"#)
        #expect(added?.status == 200, "\(String(describing: added?.json))")
        #expect(await cluster.eventually {
            await cluster.call("m4", "GET", "/v1/kv/before19?consistency=local")?.json["value"] as? Int == 19
        }, "m4 never caught up: \(cluster.log("m4"))")
        let snapshots = (try? FileManager.default.contentsOfDirectory(atPath: cluster.directory("m4") + "/snap")) ?? []
        let sizes = snapshots.compactMap { try? FileManager.default.attributesOfItem(atPath: cluster.directory("m4") + "/snap/" + $0)[.size] as? Int }
        #expect(sizes.contains { $0 > 4 << 20 }, "m4 holds no snapshot over a frame's size: \(snapshots) \(sizes)")
        // Promoted once caught up: the leader lists m4 as a voter, and writes through it go on.
        #expect(await cluster.eventually {
            guard let members = await cluster.call(leader, "GET", "/v1/status")?.json["members"] as? [[String: Any]] else { return false }
            return members.contains { $0["id"] as? String == "m4" && ["voter", "leader"].contains($0["role"] as? String ?? "") }
        })
        #expect(await cluster.call("m4", "PUT", "/v1/kv/from-m4", #"{"value": 4}"#)?.status == 200)

        // Remove m3 (not the leader, to keep the test short): three members remain and serve.
        let removed = ids.first { $0 != leader }!
        let reply = await cluster.call(leader, "DELETE", "/v1/members/\(removed)")
        #expect(reply?.status == 200, "\(String(describing: reply?.json))")
        #expect(await cluster.eventually {
            guard let members = await cluster.call(leader, "GET", "/v1/status")?.json["members"] as? [[String: Any]] else { return false }
            return !members.contains { $0["id"] as? String == removed }
        })
        cluster.kill9(removed)
        #expect(await cluster.eventually { await cluster.call("m4", "PUT", "/v1/kv/after-removal", #"{"value": 5}"#)?.status == 200 })
    }

    @Test("GET /v1/events and /v1/watch/{key} stream server-sent events: a write shows up as state_changed and as a watched change with its revision; ?fromRevision replays the retained changes first, and answers 410 compacted once they are gone")
    func eventStreams() async throws {
        let cluster = try NodeProcesses(ids: ["e1"], extraArguments: ["--snapshot-interval", "4"])
        defer { cluster.stopAll() }
        try cluster.start("e1")
        #expect(await cluster.eventually { await cluster.leader(among: ["e1"]) == "e1" })
        let port = cluster.members["e1"]!.apiPort
        // Two changes of "color" before anyone watches: a watch from revision 1 replays them.
        #expect(await cluster.call("e1", "PUT", "/v1/kv/color", #"{"value": "red"}"#)?.status == 200)
        let blue = await cluster.call("e1", "PUT", "/v1/kv/color", #"{"value": "blue"}"#)
        let blueRevision = try #require(blue?.json["revision"] as? Int)
        let events = try StreamReader(port: port, path: "/v1/events")
        let watch = try StreamReader(port: port, path: "/v1/watch/color")
        let replay = try StreamReader(port: port, path: "/v1/watch/color?fromRevision=1")
        let bad = await cluster.call("e1", "GET", "/v1/watch/color?fromRevision=zero")
        #expect(bad?.status == 400, "\(String(describing: bad?.json))")
        #expect(await cluster.eventually { events.text.contains(": streaming") && watch.text.contains(": streaming") && replay.text.contains(": streaming") })
        // The replay follows the ": streaming" line from another task: wait for it, do not race it.
        #expect(await cluster.eventually {
            replay.text.contains(#""value":"red""#) && replay.text.contains(#""revision":\#(blueRevision),"value":"blue""#)
        }, "the watch from revision 1 did not replay the earlier changes: \(replay.text)")
        #expect(!watch.text.contains("red"), "a watch from now replayed the past: \(watch.text)")
        #expect(await cluster.call("e1", "PUT", "/v1/kv/other", #"{"value": 0}"#)?.status == 200)
        #expect(await cluster.call("e1", "PUT", "/v1/kv/color", #"{"value": "green"}"#)?.status == 200)
        #expect(await cluster.eventually(timeout: .seconds(30)) { events.text.contains(#""key":"color","member":"e1","newValue":"green""#) },
                "no state_changed event: \(events.text)")
        for stream in [watch, replay] {
            #expect(await cluster.eventually(timeout: .seconds(30)) { stream.text.contains(#""key":"color","revision":"#) && stream.text.contains(#""value":"green""#) },
                    "no watched change: \(stream.text)")
            #expect(!stream.text.contains("other"), "the watch of 'color' saw another key")
        }
        // Green shows up once in the replaying watch: replay and live meet without a repeat.
        #expect(replay.text.components(separatedBy: "green").count == 2, "\(replay.text)")

        // Restarted from its snapshot (every 4 entries), the member no longer holds the changes
        // before it: a watch from revision 1 is refused, never answered with a gap.
        cluster.kill9("e1")
        try cluster.start("e1")
        #expect(await cluster.eventually { await cluster.leader(among: ["e1"]) == "e1" })
        let gone = await cluster.call("e1", "GET", "/v1/watch/color?fromRevision=1")
        #expect(gone?.status == 410 && gone?.json["code"] as? String == "compacted", "\(String(describing: gone?.json))")
    }

    @Test("simple_majority as processes: a proposal waits for manual votes cast over the API and is accepted on every member; a member cut off by the admin partition gets its proposal refused; healing restores it")
    func simpleMajority() async throws {
        let ids = ["s1", "s2", "s3"]
        let cluster = try NodeProcesses(ids: ids, extraArguments: ["--mechanism", "simple_majority", "--vote-policy", "manual", "--timeout", "3s"])
        defer { cluster.stopAll() }
        for id in ids { try cluster.start(id) }
        #expect(await cluster.eventually { await cluster.call("s1", "GET", "/v1/status")?.status == 200 })

        async let proposed = cluster.call("s1", "POST", "/v1/proposals", #"{"key": "plan", "value": "attack"}"#)
        var proposalID: String?
        #expect(await cluster.eventually {
            guard let pending = await cluster.call("s2", "GET", "/v1/proposals")?.json["pending"] as? [[String: Any]] else { return false }
            proposalID = pending.first?["proposalId"] as? String
            return proposalID != nil
        }, "s2 never saw the proposal pending")
        let id = try #require(proposalID)
        for voter in ["s1", "s2"] {
            let vote = await cluster.call(voter, "POST", "/v1/proposals/\(id)/vote", #"{"accept": true}"#)
            #expect(vote?.status == 200, "\(voter): \(String(describing: vote?.json))")
        }
        let result = try #require(await proposed)
        #expect(result.json["accepted"] as? Bool == true, "\(result.json)")
        #expect(result.json["quorumRequired"] as? Int == 2)
        for member in ids {
            #expect(await cluster.eventually { await cluster.call(member, "GET", "/v1/kv/plan?consistency=local")?.json["value"] as? String == "attack" })
        }

        // Cut s3 off: its proposal cannot gather a quorum and is refused, and applied nowhere.
        #expect(await cluster.call("s3", "POST", "/v1/admin/partition", #"{"drop": ["s1", "s2"]}"#)?.status == 200)
        let alone = await cluster.call("s3", "POST", "/v1/proposals", #"{"key": "plan", "value": "retreat"}"#)
        #expect(alone?.json["accepted"] as? Bool == false, "\(String(describing: alone?.json))")
        #expect(await cluster.call("s3", "DELETE", "/v1/admin/partition")?.status == 200)
        for member in ids {
            #expect(await cluster.call(member, "GET", "/v1/kv/plan?consistency=local")?.json["value"] as? String == "attack")
        }
    }

    @Test("Hostile peers: a member started with the wrong cluster secret, then with the wrong cluster id, is refused (both sides log why, the secret never appears); the others serve; started right, it catches up")
    func hostilePeers() async throws {
        let ids = ["s1", "s2", "s3"]
        let secret = "correct horse battery"
        let cluster = try NodeProcesses(ids: ids, extraArguments: ["--cluster-id", "prod"])
        defer { cluster.stopAll() }
        try cluster.start("s1", extra: ["--cluster-secret", secret])
        try cluster.start("s2", extra: ["--cluster-secret", secret])
        try cluster.start("s3", extra: ["--cluster-secret", "hunter2"])
        #expect(await cluster.eventually { await cluster.leader(among: ["s1", "s2"]) != nil }, "no leader: \(cluster.log("s1"))")
        #expect(await cluster.call("s1", "PUT", "/v1/kv/k", #"{"value": 1}"#)?.status == 200)
        #expect(await cluster.eventually(timeout: .seconds(30)) {
            cluster.log("s1").contains("authenticationFailed") || cluster.log("s2").contains("authenticationFailed")
        }, "the members never logged the refusal: \(cluster.log("s1"))")
        #expect(await cluster.eventually(timeout: .seconds(30)) { cluster.log("s3").contains("authenticationFailed") })
        // The impostor never hears of the leader or the write (its peer listener logs the
        // refusal before its API listens: wait for the API to answer at all).
        #expect(await cluster.eventually { (await cluster.call("s3", "GET", "/v1/status")?.status ?? 0) != 0 })
        #expect(await cluster.call("s3", "GET", "/v1/kv/k?consistency=local")?.status == 404)
        #expect(await cluster.call("s3", "GET", "/v1/status")?.json["leader"] == nil)

        cluster.kill9("s3")
        try cluster.start("s3", extra: ["--cluster-secret", secret, "--cluster-id", "staging"])
        #expect(await cluster.eventually(timeout: .seconds(30)) { cluster.log("s3").contains("wrongCluster") },
                "s3 never logged the refusal: \(cluster.log("s3"))")
        #expect(await cluster.eventually { (await cluster.call("s3", "GET", "/v1/status")?.status ?? 0) != 0 })
        #expect(await cluster.call("s3", "GET", "/v1/kv/k?consistency=local")?.status == 404)
        #expect(await cluster.call("s2", "PUT", "/v1/kv/k", #"{"value": 2}"#)?.status == 200, "the majority stopped serving")

        cluster.kill9("s3")
        try cluster.start("s3", extra: ["--cluster-secret", secret])
        #expect(await cluster.eventually {
            await cluster.call("s3", "GET", "/v1/kv/k?consistency=local")?.json["value"] as? Int == 2
        }, "s3 never caught up: \(cluster.log("s3"))")
        for id in ids { #expect(!cluster.log(id).contains(secret) && !cluster.log(id).contains("hunter2")) }
    }

    @Test("Hostile input: random bytes and an oversized frame to the peer port, malformed JSON to the API: the member keeps serving and logs why")
    func hostileInput() async throws {
        let cluster = try NodeProcesses(ids: ["h1"])
        defer { cluster.stopAll() }
        try cluster.start("h1")
        #expect(await cluster.eventually { await cluster.leader(among: ["h1"]) == "h1" })
        let port = cluster.members["h1"]!.peerPort
        var random = SystemRandomNumberGenerator()
        for round in 0..<5 {
            var bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &random) }
            if round == 0 { bytes = [0xFF, 0xFF, 0xFF, 0xFF, 1, 1] }   // a frame claiming 4 GiB
            try sendRaw(bytes, toPort: port)
        }
        let bad = await cluster.call("h1", "PUT", "/v1/kv/x", "{not json")
        #expect(bad?.status == 400 && bad?.json["code"] as? String == "bad_request")
        let ok = await cluster.call("h1", "PUT", "/v1/kv/x", #"{"value": 1}"#)
        #expect(ok?.status == 200, "the member stopped serving: \(cluster.log("h1"))")
        #expect(await cluster.eventually(timeout: .seconds(30)) { cluster.log("h1").contains("closing the connection") },
                "the refused connections were not logged: \(cluster.log("h1"))")
    }
}

/// Connects to 127.0.0.1:`port`, writes `bytes`, closes.
func sendRaw(_ bytes: [UInt8], toPort port: Int) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw NodeProcessError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { throw NodeProcessError("cannot connect to 127.0.0.1:\(port)") }
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// Reads a streaming HTTP response on a raw socket in the background, for the SSE tests.
final class StreamReader: @unchecked Sendable {
    private let lock = NSLock()
    private var received = Data()
    private let fd: Int32

    init(port: Int, path: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NodeProcessError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { close(fd); throw NodeProcessError("cannot connect to 127.0.0.1:\(port)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return }
                lock.withLock { received.append(contentsOf: buffer[0..<n]) }
            }
        }
        thread.start()
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    var text: String { lock.withLock { String(decoding: received, as: UTF8.self) } }
}
