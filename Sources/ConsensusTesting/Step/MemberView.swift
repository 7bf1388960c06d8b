import Consensus
import ConsensusCore

/// What the transcript last showed of one member: role, term, leader, commit and applied
/// indexes, and its log. Comparing the view before and after an input tells what changed
/// (``changes(to:member:)``), whatever the input was.
struct MemberView: Sendable, Hashable {
    struct LoggedEntry: Sendable, Hashable {
        var term: Term
        /// `term/index content`.
        var text: String
    }

    var role: String
    var term: Term
    var leader: String?
    var commit: LogIndex
    var applied: LogIndex
    var snapshotIndex: LogIndex
    /// The index of ``entries``'s first element.
    var firstIndex: LogIndex
    var entries: [LoggedEntry]

    var lastIndex: LogIndex { firstIndex + LogIndex(entries.count) - 1 }

    func entry(at index: LogIndex) -> LoggedEntry? {
        guard index >= firstIndex, index <= lastIndex else { return nil }
        return entries[Int(index - firstIndex)]
    }

    /// The view of `machine`; entries `old` already described (same index, same term: the same
    /// entry, by the Log Matching property) are not decoded again.
    init(_ machine: NodeStateMachine, reusing old: MemberView?) {
        let d = machine.debugState
        let isRaft = machine.raft != nil
        role = d.role.rawValue
        term = isRaft ? d.currentTerm : 0
        leader = d.leaderID
        commit = d.commitIndex
        applied = isRaft ? machine.store.appliedIndex : 0
        snapshotIndex = d.snapshotIndex
        entries = []
        guard let raft = machine.raft else {
            firstIndex = 1
            return
        }
        firstIndex = raft.firstIndex
        guard raft.lastIndex >= raft.firstIndex else { return }
        for index in raft.firstIndex...raft.lastIndex {
            let term = raft.term(at: index) ?? 0
            if let known = old?.entry(at: index), known.term == term {
                entries.append(known)
            } else {
                entries.append(LoggedEntry(term: term, text: raft.entries(in: index...index).first.map(StepFormat.entry) ?? "\(term)/\(index)"))
            }
        }
    }

    /// The events that take this view to `new`, in the order a reader wants them: role, log,
    /// commit, applied entries.
    func changes(to new: MemberView, member: String) -> [StepEvent] {
        var events: [StepEvent] = []
        if (role, term, leader) != (new.role, new.term, new.leader) {
            events.append(.roleChanged(member: member, role: new.role, term: new.term, leader: new.leader))
        }
        // The first index at which the logs differ.
        var divergence = min(lastIndex, new.lastIndex) + 1
        let overlapStart = max(firstIndex, new.firstIndex)
        if overlapStart < divergence {
            for index in overlapStart..<divergence where entry(at: index)?.term != new.entry(at: index)?.term {
                divergence = index
                break
            }
        }
        let removed = entries.indices.filter { firstIndex + LogIndex($0) >= divergence }.map { entries[$0].text }
        let added = new.entries.indices.filter { new.firstIndex + LogIndex($0) >= divergence }.map { new.entries[$0].text }
        if !removed.isEmpty { events.append(.truncated(member: member, entries: removed)) }
        if !added.isEmpty { events.append(.appended(member: member, entries: added)) }
        if new.snapshotIndex > snapshotIndex && new.snapshotIndex > applied {
            events.append(.installedSnapshot(member: member, at: "up to \(new.snapshotIndex)"))
        }
        if commit != new.commit { events.append(.committed(member: member, from: commit, to: new.commit)) }
        if new.applied > applied {
            for index in (applied + 1)...new.applied {
                if let e = new.entry(at: index) { events.append(.applied(member: member, entry: e.text)) }
            }
        }
        return events
    }
}
