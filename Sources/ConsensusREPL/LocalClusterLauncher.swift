import ConsensusServer
import Foundation

/// Starts the members of a ``ClusterState`` as processes and waits for them to agree on a
/// leader: the part of `consensus cluster up` that `consensus repl` shares.
public enum LocalClusterLauncher {
    /// How waiting for a leader ended.
    public enum Wait: Sendable {
        /// Every member answers and they agree on this leader.
        case leader(MemberStatus, statuses: [String: MemberStatus])
        /// simple_majority: every member answers, and none leads (it is leaderless).
        case leaderless(statuses: [String: MemberStatus])
        /// This member's process exited while starting.
        case exited(ClusterState.Member)
        /// The deadline passed; these members answered.
        case timedOut(statuses: [String: MemberStatus])
    }

    /// Spawns every member of `state` (creating its data directory), recording each PID in
    /// `state` as soon as it exists and calling `recorded` after each, so that whatever started
    /// can be stopped even if a later spawn fails.
    public static func spawnAll(_ state: inout ClusterState, recorded: (ClusterState) throws -> Void = { _ in }) throws {
        for index in state.members.indices {
            let m = state.members[index]
            try FileManager.default.createDirectory(atPath: m.dataDir, withIntermediateDirectories: true)
            state.members[index].pid = try MemberProcess.spawn(executable: state.executable, arguments: m.arguments, log: m.log)
            try recorded(state)
        }
    }

    /// Polls every member's status until they agree on a leader (raft) or all answer without
    /// one (simple_majority), a member's process exits, or `timeout` passes.
    public static func waitForLeader(_ state: ClusterState, timeout: Duration) async -> Wait {
        let deadline = ContinuousClock.now + timeout
        var statuses: [String: MemberStatus] = [:]
        while true {
            // isAlive, not isNode: right after the spawn, /proc/<pid>/cmdline can still be empty
            // (the kernel fills it in late in execve), and these PIDs are our own children.
            for m in state.members where !(m.pid.map(MemberProcess.isAlive) ?? false) {
                return .exited(m)
            }
            statuses = await MemberAPI.statuses(state.members)
            if statuses.count == state.members.count {
                let named = Set(statuses.values.map(\.leader))
                if named.count == 1, let only = named.first, let leader = only, let status = statuses[leader], status.role == "leader" {
                    return .leader(status, statuses: statuses)
                }
                if state.mechanism == "simple_majority" && statuses.values.allSatisfy({ $0.leader == nil }) {
                    return .leaderless(statuses: statuses)
                }
            }
            if ContinuousClock.now >= deadline { return .timedOut(statuses: statuses) }
            try? await Task.sleep(for: .milliseconds(200))
            if Task.isCancelled { return .timedOut(statuses: statuses) }
        }
    }
}
