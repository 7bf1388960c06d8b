import Consensus
import ConsensusCore

/// Reports: `status` (one row per member), `debug` (everything a member knows), `messages`
/// (what is in flight). Plain text, in a fixed order, so transcripts can check them.
extension SteppedCluster {
    /// One row per member: role, term, leader, commit, applied, clock and log (`term/index`
    /// of each entry). A crashed member shows `down` and what its disk holds.
    ///
    /// ```
    /// member  role      term  leader  commit  applied  time  log
    /// n1      leader    1     n1      2       2        0     1/1 1/2
    /// n2      follower  1     n1      2       2        0     1/1 1/2
    /// n3      down      1     -       1       -        0     1/1
    /// ```
    public func status() -> [String] {
        var rows = [["member", "role", "term", "leader", "commit", "applied", "time", "log"]]
        for i in members.indices {
            let time = "\(clocks[i] / 2)"
            if let machine = members[i].machine {
                let view = MemberView(machine, reusing: views[i])
                let log = view.entries.indices.map { "\(view.entries[$0].term)/\(view.firstIndex + LogIndex($0))" }
                rows.append([members[i].name, view.role, "\(view.term)", view.leader ?? "-", "\(view.commit)", "\(view.applied)", time,
                             Self.shortLog(log, snapshot: view.firstIndex - 1)])
            } else {
                let state = members[i].restoredState(options.mechanism)
                let log = state?.entries.map { "\($0.term)/\($0.index)" } ?? []
                rows.append([members[i].name, "down", state.map { "\($0.hardState.term)" } ?? "-", "-",
                             state.map { "\($0.hardState.commit)" } ?? "-", "-", time,
                             Self.shortLog(log, snapshot: state?.snapshot.metadata.index ?? 0)])
            }
        }
        var lines = Self.table(rows)
        if !partitionSides.isEmpty {
            lines.append("partition: " + partitionSides.map { $0.joined(separator: " ") }.joined(separator: " | "))
        }
        lines.append("in flight: \(network.queue.count) message\(network.queue.count == 1 ? "" : "s")")
        return lines
    }

    /// The last 20 positions of a log, after the snapshot's index when there is one.
    static func shortLog(_ positions: [String], snapshot: LogIndex) -> String {
        var parts: [String] = []
        if snapshot > 0 { parts.append("snapshot@\(snapshot)") }
        if positions.count > 20 { parts.append("…\(positions.count - 20) more") }
        parts += positions.suffix(20)
        return parts.isEmpty ? "(empty)" : parts.joined(separator: " ")
    }

    /// Left-aligned columns, two spaces apart, without trailing spaces.
    static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.indices.map { c in c == row.count - 1 ? row[c] : row[c] + String(repeating: " ", count: widths[c] - row[c].count) }
                .joined(separator: "  ")
        }
    }

    mutating func debug(_ member: String?) {
        var targets = Array(members.indices)
        if let member {
            guard let i = resolve(member) else { return }
            targets = [i]
        }
        for i in targets { out += debugLines(i).map(StepEvent.report) }
    }

    /// Everything member `i` knows: its debug state, failure detector, log with contents, and keys.
    func debugLines(_ i: Int) -> [String] {
        let name = members[i].name
        guard let machine = members[i].machine else {
            return ["\(name): down; disk: \(diskDescription(i))"]
        }
        let d = machine.debugState
        var head = "\(name): \(d.role) term:\(d.currentTerm) vote:\(d.votedFor ?? "-") leader:\(d.leaderID ?? "-")"
        head += " commit:\(d.commitIndex) applied:\(d.appliedIndex) time:\(clocks[i] / 2)"
        if d.snapshotIndex > 0 { head += " snapshot:\(d.snapshotIndex)" }
        var lines = [head]
        lines.append("  voters: \(d.voters.joined(separator: " "))" + (d.learners.isEmpty ? "" : " learners: \(d.learners.joined(separator: " "))"))
        if !d.matchIndex.isEmpty {
            lines.append("  match: " + d.matchIndex.keys.sorted().map { "\($0)=\(d.matchIndex[$0]!)" }.joined(separator: " "))
        }
        lines.append("  pending: \(d.pendingProposals) proposals, \(d.pendingReads) reads")
        if let p = machine.currentPartition {
            lines.append("  sees a partition: \(p.side.rawValue) side, cannot hear \(p.unreachable.joined(separator: " "))")
        }
        let view = MemberView(machine, reusing: views[i])
        lines.append("  log: " + (view.entries.isEmpty ? "(empty)" : view.entries.map(\.text).joined(separator: ", ")))
        let keys = machine.keys(withPrefix: "")
        lines.append("  keys: " + (keys.isEmpty ? "(none)" : keys.map { "\($0)=\(machine.localRead($0).value.map(\.description) ?? "absent")" }.joined(separator: " ")))
        return lines
    }

    /// The messages in flight, oldest first, numbered.
    func messageReport() -> [String] {
        let queue = inFlight
        guard !queue.isEmpty else { return ["no message in flight"] }
        return queue.indices.map { "\($0 + 1). \(queue[$0])" }
    }
}
