import Foundation

extension ProcessBackend {
    /// Starts a new member process that joins the cluster (`consensus node --join`), on free
    /// loopback ports, with the same settings as the others. The cluster does not count it
    /// until `POST /v1/members` adds it (first as a learner that catches up, then as a voter).
    /// - Returns: its peer address, for that call.
    /// - Throws: ``ReplError`` when this backend did not start the cluster (`--connect`), the id
    ///   is taken, or the process cannot start.
    public func startMember(_ id: String) async throws(ReplError) -> String {
        guard var cluster, let template = cluster.members.first else {
            throw ReplError("add-node: this session attached with --connect, so it starts no process: run 'consensus node --join ...' yourself, then 'add-node \(id) <its peer host:port>'")
        }
        guard cluster.member(id) == nil, addresses[id] == nil else { throw ReplError("add-node: '\(id)' is already a member") }
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ReplError("add-node: a member id is letters, digits, - and _, not '\(id)'")
        }
        let ports: [Int]
        do { ports = try MemberProcess.freePorts(2) } catch { throw ReplError("add-node: no free port: \(error)") }
        let peers = (cluster.members.map { "\($0.id)=\($0.peerAddress)" } + ["\(id)=127.0.0.1:\(ports[0])"]).joined(separator: ",")
        let base = URL(fileURLWithPath: template.dataDir).deletingLastPathComponent().path
        var arguments = template.arguments
        for (flag, value) in [("--id", id), ("--listen", "127.0.0.1:\(ports[0])"), ("--api", "127.0.0.1:\(ports[1])"),
                              ("--peers", peers), ("--data-dir", base + "/" + id)] {
            if let i = arguments.firstIndex(of: flag), i + 1 < arguments.count { arguments[i + 1] = value } else { arguments += [flag, value] }
        }
        if !arguments.contains("--join") { arguments.append("--join") }
        var member = ClusterState.Member(id: id, pid: nil, peerPort: ports[0], apiPort: ports[1], dataDir: base + "/" + id,
                                         log: base + "/" + id + ".log", arguments: arguments)
        do {
            try FileManager.default.createDirectory(atPath: member.dataDir, withIntermediateDirectories: true)
            member.pid = try MemberProcess.spawn(executable: cluster.executable, arguments: arguments, log: member.log)
        } catch {
            throw ReplError("add-node: cannot start \(id): \(error)")
        }
        cluster.members.append(member)
        self.cluster = cluster
        book.add(id, api: member.apiAddress)
        // Wait (bounded) for its API, so the next command can talk to it.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, await MemberAPI.status(member.apiAddress, timeout: .seconds(2)) == nil {
            try? await Task.sleep(for: .milliseconds(200))
        }
        return member.peerAddress
    }
}
