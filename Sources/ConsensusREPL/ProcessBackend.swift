import Consensus
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process mode: the REPL's commands over the HTTP API of `consensus node` processes, either a
/// local cluster this backend started (``start(plan:directory:executable:timeout:)``) or a
/// running one it attached to (``connect(_:)``), where it never signals a process.
public actor ProcessBackend: ReplBackend {
    /// The members in order, with their API addresses (``startMember(_:)`` adds to them).
    nonisolated let book: MemberBook
    public nonisolated var order: [String] { book.order }
    nonisolated var addresses: [String: String] { book.addresses }
    /// The cluster this backend started, or `nil` when attached with `--connect`.
    var cluster: ClusterState?
    /// Where the started cluster keeps its data and logs (deleted on shutdown).
    let directory: String?
    var killed: Set<String> = []
    var paused: Set<String> = []
    /// How long a request may take (a lock acquire with a wait gets its wait on top).
    let requestTimeout: Duration = .seconds(15)

    init(cluster: ClusterState?, addresses: [(String, String)], directory: String?) {
        self.cluster = cluster
        self.book = MemberBook(addresses)
        self.directory = directory
    }

    /// Starts a local cluster in `directory` and waits for its leader.
    /// - Returns: the backend and a one-line description of the leader, or throws
    ///   ``ClusterError`` (after stopping whatever it started).
    public static func start(plan: ClusterPlan, directory: String, executable: String, timeout: Duration) async throws -> (ProcessBackend, String) {
        var state = try plan.newCluster(directory: directory, executable: executable)
        let backend: ProcessBackend
        do {
            try LocalClusterLauncher.spawnAll(&state)
        } catch {
            _ = MemberProcess.stop(state.members, graceful: false)
            throw ClusterError("\(error)")
        }
        backend = ProcessBackend(cluster: state, addresses: state.members.map { ($0.id, $0.apiAddress) }, directory: directory)
        switch await LocalClusterLauncher.waitForLeader(state, timeout: timeout) {
        case .leader(let leader, _):
            return (backend, "\(leader.id) leads in term \(leader.term)")
        case .leaderless:
            return (backend, "\(plan.mechanism) is leaderless")
        case .exited(let m):
            let log = (try? String(contentsOfFile: m.log, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            await backend.shutdown(keepingFiles: true)
            throw ClusterError("\(m.id) exited while starting\(log.isEmpty ? "" : ": \(log)") (the logs are in \(directory))")
        case .timedOut(let statuses):
            await backend.shutdown()
            if Task.isCancelled { throw ClusterError("interrupted while waiting for a leader; stopped the members") }
            let silent = state.members.filter { statuses[$0.id] == nil }.map(\.id)
            throw ClusterError("no leader after \(timeout)" + (silent.isEmpty ? "" : " (\(silent.joined(separator: ", ")) not answering)")
                               + "; stopped the members. A loaded machine may need --wait 120s or a longer --election-timeout")
        }
    }

    /// Attaches to a running cluster through the API addresses of some of its members.
    /// - Parameter addresses: `host:port` of each member's HTTP API.
    public static func connect(_ addresses: [String]) async throws -> ProcessBackend {
        var named: [(String, String)] = []
        for address in addresses {
            guard let status = await MemberAPI.status(address, timeout: .seconds(5)) else {
                throw ClusterError("nothing answers GET /v1/status at \(address): check the address (--connect takes the members' API addresses, host:port,...)")
            }
            named.append((status.id, address))
        }
        return ProcessBackend(cluster: nil, addresses: named, directory: nil)
    }

    public func memberIDs() async -> [String] { order }

    public func reports() async -> [MemberReport] {
        let asked = order.filter { !killed.contains($0) && !paused.contains($0) }
        let statuses = await MemberAPI.statuses(asked.compactMap { id in addresses[id].map { (id, $0) } })
        return order.map { id in
            if killed.contains(id) { return MemberReport(id: id, status: nil, note: "killed ('restart \(id)' brings it back)") }
            if paused.contains(id) { return MemberReport(id: id, status: nil, note: "paused ('resume \(id)' continues it)") }
            return MemberReport(id: id, status: statuses[id], note: statuses[id] == nil ? "does not answer at \(addresses[id] ?? "?")" : nil)
        }
    }

    public func send(_ request: ClientRequest, to member: String) async throws(ReplError) -> ConsensusValue {
        guard let address = addresses[member] else { throw ReplError("no member '\(member)': the members are \(order.joined(separator: ", "))") }
        if killed.contains(member) { throw ReplError("\(member) is killed: 'restart \(member)' brings it back", code: "not_sent") }
        if paused.contains(member) { throw ReplError("\(member) is paused: 'resume \(member)' continues it", code: "not_sent") }
        var timeout = requestTimeout
        if case .lockAcquire(_, _, _, let wait?) = request { timeout += .milliseconds(wait) }
        let (method, path, body) = request.http
        do {
            let (status, json) = try await MemberAPI.call(address, method, path, body: body, timeout: timeout)
            return try request.reply(status: status, json: json, from: member).get()
        } catch let error as MemberCallError {
            throw Self.unreachable(member, error, request: request)
        } catch let error as ReplError {
            throw error
        } catch {
            throw ReplError("\(member): \(error)", outcome: request.isRead ? .failed : .unknown)
        }
    }

    /// The one line for a member that gave no HTTP answer.
    static func unreachable(_ member: String, _ error: MemberCallError, request: ClientRequest) -> ReplError {
        if error.notSent {
            return ReplError("\(member) does not answer (\(error)): 'status' shows who is up; 'restart \(member)' brings a killed member back",
                             code: "not_sent")
        }
        let maybe = request.isRead ? "" : "; the change may or may not have happened ('get' it to see)"
        return ReplError("\(member): \(error)\(maybe); 'status' shows who is up",
                         outcome: request.isRead ? .failed : .unknown, code: error.timedOut ? "timeout" : nil)
    }

    public func shutdown() async { await shutdown(keepingFiles: false) }

    /// Stops every member this backend started; deletes their data and logs unless `keepingFiles`.
    func shutdown(keepingFiles: Bool) async {
        guard let cluster else { return }
        let members = cluster.members
        self.cluster = nil
        _ = MemberProcess.stop(members, graceful: true, grace: .seconds(10))
        if let directory, !keepingFiles { try? FileManager.default.removeItem(atPath: directory) }
    }
}
