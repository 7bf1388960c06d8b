import Consensus
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ProcessBackend {
    public func perform(_ fault: ResolvedFault) async throws(ReplError) -> String {
        switch fault {
        case .kill(let id):
            let member = try started(id, "kill")
            if killed.contains(id) { return "\(id) is already killed ('restart \(id)' brings it back)" }
            let left = MemberProcess.stop([member], graceful: false)
            guard left.isEmpty else { throw ReplError("\(id) (pid \(member.pid ?? 0)) is still alive after SIGKILL") }
            killed.insert(id)
            paused.remove(id)
            return "killed \(id) (pid \(member.pid.map(String.init) ?? "-"), SIGKILL); 'restart \(id)' brings it back"
        case .restart(let id):
            return try await restart(id)
        case .pause(let id):
            let member = try started(id, "pause")
            guard !killed.contains(id), let pid = member.pid, MemberProcess.isNode(pid, dataDir: member.dataDir) else {
                throw ReplError("\(id) is not running: 'restart \(id)' first")
            }
            kill(pid, SIGSTOP)
            paused.insert(id)
            return "paused \(id) (SIGSTOP): alive but silent; 'resume \(id)' continues it"
        case .resume(let id):
            let member = try started(id, "resume")
            guard paused.contains(id), let pid = member.pid else { return "\(id) is not paused" }
            kill(pid, SIGCONT)
            paused.remove(id)
            return "resumed \(id) (SIGCONT)"
        case .partition(let left, let right):
            var problems: [String] = []
            for (side, other) in [(left, right), (right, left)] {
                for id in side {
                    do {
                        _ = try await call(id, "POST", "/v1/admin/partition", body: ["drop": .array(other.map { .string($0) })])
                    } catch {
                        problems.append(error.message)
                    }
                }
            }
            let cut = "\(left.joined(separator: " ")) | \(right.joined(separator: " "))"
            guard problems.isEmpty else { throw ReplError("partition \(cut) is incomplete: " + problems.joined(separator: "; ")) }
            return "partitioned \(cut): no traffic between the two groups; 'heal' restores it"
        case .heal:
            var problems: [String] = []
            for id in order where !killed.contains(id) && !paused.contains(id) {
                do { _ = try await call(id, "DELETE", "/v1/admin/partition", body: nil) } catch { problems.append(error.message) }
            }
            guard problems.isEmpty else { throw ReplError("healed the others, but: " + problems.joined(separator: "; ")) }
            return "healed: all traffic flows again"
        }
    }

    /// The member if this backend started it; otherwise a refusal that says why.
    func started(_ id: String, _ what: String) throws(ReplError) -> ClusterState.Member {
        guard let cluster else {
            throw ReplError("\(what) is not available: this session attached with --connect and did not start \(id) (it never signals processes it did not start)")
        }
        guard let member = cluster.member(id) else { throw ReplError("no member '\(id)': the members are \(order.joined(separator: ", "))") }
        return member
    }

    func restart(_ id: String) async throws(ReplError) -> String {
        var member = try started(id, "restart")
        guard var cluster else { throw ReplError("restart is not available") }
        if paused.contains(id), let pid = member.pid { kill(pid, SIGCONT) }
        if !MemberProcess.stop([member], graceful: true).isEmpty { throw ReplError("\(id) (pid \(member.pid ?? 0)) did not stop") }
        do {
            member.pid = try MemberProcess.spawn(executable: cluster.executable, arguments: member.arguments, log: member.log)
        } catch {
            throw ReplError("cannot start \(id): \(error)")
        }
        if let index = cluster.members.firstIndex(where: { $0.id == id }) { cluster.members[index] = member }
        self.cluster = cluster
        killed.remove(id)
        paused.remove(id)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline && !Task.isCancelled {
            // (isAlive: our own child, whose command line may not be readable yet.)
            guard let pid = member.pid, MemberProcess.isAlive(pid) else {
                throw ReplError("\(id) exited while starting: see \(member.log)")
            }
            if let s = await MemberAPI.status(member.apiAddress) {
                return "restarted \(id) (pid \(pid)): \(s.role) in term \(s.term)" + (s.leader.map { ", leader \($0)" } ?? "")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return "restarted \(id) (pid \(member.pid.map(String.init) ?? "-")), but it does not answer yet: 'status' shows when it does"
    }

    /// One API call to a member, for the faults.
    func call(_ id: String, _ method: String, _ path: String, body: ConsensusValue?) async throws(ReplError) -> ConsensusValue {
        guard let address = addresses[id] else { throw ReplError("no member '\(id)'") }
        if killed.contains(id) { throw ReplError("\(id) is killed") }
        if paused.contains(id) { throw ReplError("\(id) is paused") }
        do {
            let (status, json) = try await MemberAPI.call(address, method, path, body: body, timeout: requestTimeout)
            guard (200..<300).contains(status) else {
                throw ReplError("\(id): \(json["message"]?.stringValue ?? "HTTP \(status)")")
            }
            return json
        } catch let error as MemberCallError {
            throw ReplError("\(id): \(error)")
        } catch let error as ReplError {
            throw error
        } catch {
            throw ReplError("\(id): \(error)")
        }
    }
}
