import ConsensusBench
import ConsensusREPL
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `consensus bench http --failover-trials N`: kills the leader of a local cluster that this
/// command started (SIGKILL, by PID, after checking that the PID is still that member's node),
/// times how long until a write succeeds again, restarts the member, and repeats.
struct FailoverTrials {
    /// The cluster, with the members' current PIDs (restarts change them).
    var state: ClusterState
    let runner: HTTPLoadRunner
    /// How long one trial may wait for a write to succeed.
    var trialDeadline: Duration = .seconds(30)
    /// Concurrent probe loops: each sends a write, and the next as soon as it fails, so that a
    /// hanging request does not hide the moment writes work again.
    var probeLoops = 8

    /// Runs `trials` trials.
    /// - Returns: the milliseconds from SIGKILL to the first succeeded write, `nil` for a trial
    ///   that found no leader before it or no write succeeded before ``trialDeadline``.
    mutating func run(trials: Int, log: (String) -> Void) async -> [Double?] {
        var results: [Double?] = []
        for trial in 1...trials {
            guard case .leader(let leader, _) = await LocalClusterLauncher.waitForLeader(state, timeout: .seconds(60)),
                  let index = state.members.firstIndex(where: { $0.id == leader.id }),
                  let pid = state.members[index].pid, MemberProcess.isNode(pid, dataDir: state.members[index].dataDir) else {
                log("  trial \(trial): no agreed leader within 60 s; skipped")
                results.append(nil)
                continue
            }
            let survivors = state.members.filter { $0.id != leader.id }.map(\.apiAddress)
            let killed = ContinuousClock.now
            kill(pid, SIGKILL)
            let recovered = await firstWrite(through: survivors, trial: trial, after: killed)
            let milliseconds = recovered.map { Double(($0 - killed).wholeMilliseconds) }
            results.append(milliseconds)
            log("  trial \(trial): killed \(leader.id) (pid \(pid)), "
                + (milliseconds.map { "next write after \(Int($0)) ms" } ?? "no write succeeded within \(trialDeadline)"))
            if !MemberProcess.waitGone([pid], timeout: .seconds(10)).isEmpty {
                log("  \(leader.id) (pid \(pid)) is still alive after SIGKILL; stopping the trials")
                break
            }
            do {
                let member = state.members[index]
                state.members[index].pid = try MemberProcess.spawn(executable: state.executable, arguments: member.arguments, log: member.log)
            } catch {
                log("  cannot restart \(leader.id): \(error); stopping the trials")
                break
            }
        }
        return results
    }

    /// The moment the first write through any of `addresses` succeeded, or `nil` past the deadline.
    private func firstWrite(through addresses: [String], trial: Int, after start: ContinuousClock.Instant) async -> ContinuousClock.Instant? {
        let deadline = start + trialDeadline
        let done = Flag()
        return await withTaskGroup(of: ContinuousClock.Instant?.self) { group in
            for loop in 0..<probeLoops {
                group.addTask { [runner] in
                    try? await Task.sleep(for: .milliseconds(5 * loop))
                    var attempt = 0
                    while !done.value.load(ordering: .relaxed) && ContinuousClock.now < deadline {
                        attempt += 1
                        let request = runner.requests.put(key: loop % runner.requests.keyCount, tag: "failover-\(trial)-\(loop)-\(attempt)-")
                        let reply = await runner.send(request, to: addresses[(loop + attempt) % addresses.count], timeout: .seconds(3))
                        if let reply, (200..<300).contains(reply.status) {
                            let now = ContinuousClock.now
                            done.value.store(true, ordering: .relaxed)
                            return now
                        }
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                    return nil
                }
            }
            var first: ContinuousClock.Instant?
            for await case let instant? in group { first = min(first ?? instant, instant) }
            return first
        }
    }

    /// Set once a probe succeeded, so that the other probe loops stop.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }
}
