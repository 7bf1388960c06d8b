import Consensus
import ConsensusServer
import Foundation

/// `status`, `nodes`, `leader` and `debug` from the members' reports.
public enum StatusView {
    /// The leader the answering members report: the one that says it leads in the highest term.
    public static func leader(_ reports: [MemberReport]) -> MemberStatus? {
        reports.compactMap(\.status).filter { $0.role == "leader" }.max { $0.term < $1.term }
    }

    /// A table: member (the leader marked `*`), role, term, commit, applied, log length, how many
    /// members it reaches; a member that does not answer says why.
    public static func status(_ reports: [MemberReport]) -> ReplOutput {
        let leader = leader(reports)
        var rows = [["MEMBER", "ROLE", "TERM", "COMMIT", "APPLIED", "LOG", "REACHABLE", "NOTE"]]
        for r in reports {
            let id = r.id + (r.id == leader?.id ? " *" : "")
            if let s = r.status {
                rows.append([id, s.role, "\(s.term)", "\(s.commitIndex)", "\(s.appliedIndex)", "\(s.logLength)",
                             "\(s.members.filter(\.reachable).count)/\(s.members.count)", r.note ?? ""])
            } else {
                rows.append([id, "down", "-", "-", "-", "-", "-", r.note ?? "does not answer"])
            }
        }
        let footer = leader.map { "* leader: \($0.id) (term \($0.term))" } ?? "no leader"
        let json: ConsensusValue = [
            "leader": leader.map { .string($0.id) } ?? .null,
            "members": .array(reports.map { r in
                var object = Self.json(r.status)?.objectValue ?? [:]
                object["id"] = .string(r.id)
                object["up"] = .bool(r.status != nil)
                object["isLeader"] = .bool(r.id == leader?.id)
                if let note = r.note { object["note"] = .string(note) }
                return .object(object)
            }),
        ]
        return ReplOutput(text: TextTable.render(rows) + "\n" + footer, json: json)
    }

    /// Who leads, in which term (or that nobody does, and what to try).
    public static func leaderLine(_ reports: [MemberReport]) -> ReplOutput {
        guard let leader = leader(reports) else {
            let up = reports.filter { $0.status != nil }.count
            return ReplOutput(text: "no leader right now (\(up) of \(reports.count) members answer): an election may be under way; try 'status' in a moment",
                              json: ["leader": nil, "answering": .int(Int64(up))])
        }
        return ReplOutput(text: "\(leader.id) leads in term \(leader.term)", json: ["leader": .string(leader.id), "term": .int(Int64(leader.term))])
    }

    /// The membership as the leader (else the first member that answers) sees it.
    public static func nodes(_ reports: [MemberReport]) -> ReplOutput {
        guard let view = leader(reports) ?? reports.compactMap(\.status).first else {
            return .failure("no member answers: 'status' shows each member; 'restart <member>' brings a killed one back")
        }
        let rows = [["MEMBER", "ADDRESS", "ROLE", "REACHABLE"]] + view.members.map { m in
            [m.id, m.address, m.role, m.reachable ? "yes" : "no"]
        }
        let members: [ConsensusValue] = view.members.map { m in
            ["id": .string(m.id), "address": .string(m.address), "role": .string(m.role), "reachable": .bool(m.reachable)]
        }
        return ReplOutput(text: TextTable.render(rows) + "\n(as \(view.id) sees it)", json: ["seenBy": .string(view.id), "members": .array(members)])
    }

    /// Every member's whole status, one JSON line each.
    public static func debug(_ reports: [MemberReport]) -> ReplOutput {
        let values: [ConsensusValue] = reports.map { r in
            Self.json(r.status) ?? ["id": .string(r.id), "up": false, "note": .string(r.note ?? "does not answer")]
        }
        return ReplOutput(text: values.map(\.description).joined(separator: "\n"), json: ["members": .array(values)])
    }

    /// A status as a JSON value.
    static func json(_ status: MemberStatus?) -> ConsensusValue? {
        guard let status, let data = try? JSONEncoder().encode(status) else { return nil }
        return try? JSONDecoder().decode(ConsensusValue.self, from: data)
    }
}
