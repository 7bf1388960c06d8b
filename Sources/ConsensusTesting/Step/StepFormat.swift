import Consensus
import ConsensusCore
import ConsensusNetwork

/// The step mode's compact text for messages, log entries and operations. One form per thing,
/// the same in every line that shows it:
///
/// | thing | form |
/// |---|---|
/// | a log position | `term/index`: `2/6` is index 6, written in term 2 |
/// | an entry | `2/6 put x=1`, `2/7 noop`, `2/8 conf add n4` |
/// | pre-vote | `RequestPreVote term:3 last:2/6`, `PreVote term:3 granted` (or `refused`) |
/// | vote (§5.2) | `RequestVote term:3 last:2/6`, `Vote term:3 granted` (or `refused`) |
/// | replication (§5.3) | `AppendEntries term:2 prev:1/5 commit:5 entries:[2/6 put x=1]`, `AppendEntriesResponse term:2 ok match:6` (or `refused prev:5 hint:1/3`) |
/// | heartbeat | `Heartbeat term:2 commit:5`, `HeartbeatResponse term:2` (` read:N`: a ReadIndex round) |
/// | others | `InstallSnapshot term:2 snapshot:2/100`, `TimeoutNow term:2`, `ReadIndex term:2 context:1`, `ReadIndexResponse term:2 context:1 index:6`, `Forward put x=1` (a follower passes a proposal to its leader), `Ping 4`, `Pong 4` |
///
/// A message's `last:` is the sender's last log position (what voters compare, §5.4.1); `prev:`
/// is the position the follower must already hold for the entries to be accepted (§5.3);
/// `match:` is the follower's last position now known to agree with the leader.
enum StepFormat {
    /// A peer message, without sender and receiver.
    static func message(_ message: PeerMessage) -> String {
        switch message {
        case .raft(let m): return raft(m)
        case let .forward(bytes, _):
            return "Forward " + ((try? CommandCodec.decode(bytes)).map { operation($0.operation) } ?? "(undecodable)")
        case .ping(let sequence): return "Ping \(sequence)"
        case .pong(let sequence): return "Pong \(sequence)"
        case .majorityPropose, .majorityVote, .majorityCommit, .majoritySyncRequest, .majoritySync, .majorityMembers:
            return message.summary
        }
    }

    /// A Raft message, without sender and receiver.
    static func raft(_ m: Message) -> String {
        let term = "term:\(m.term)"
        switch m.kind {
        case let .preVote(lastIndex, lastTerm):
            return "RequestPreVote \(term) last:\(lastTerm)/\(lastIndex)"
        case let .preVoteResponse(granted):
            return "PreVote \(term) \(granted ? "granted" : "refused")"
        case let .vote(lastIndex, lastTerm, transfer):
            return "RequestVote \(term) last:\(lastTerm)/\(lastIndex)" + (transfer ? " transfer" : "")
        case let .voteResponse(granted):
            return "Vote \(term) \(granted ? "granted" : "refused")"
        case let .append(prevIndex, prevTerm, entries, commit):
            var s = "AppendEntries \(term) prev:\(prevTerm)/\(prevIndex) commit:\(commit)"
            if !entries.isEmpty { s += " entries:[" + entries.map(entry).joined(separator: ", ") + "]" }
            return s
        case let .appendResponse(success, index, hintIndex, hintTerm):
            return "AppendEntriesResponse \(term) " + (success ? "ok match:\(index)" : "refused prev:\(index) hint:\(hintTerm)/\(hintIndex)")
        case let .heartbeat(commit, sequence):
            return "Heartbeat \(term) commit:\(commit)" + (sequence > 0 ? " read:\(sequence)" : "")
        case let .heartbeatResponse(sequence):
            return "HeartbeatResponse \(term)" + (sequence > 0 ? " read:\(sequence)" : "")
        case let .installSnapshot(snapshot):
            return "InstallSnapshot \(term) snapshot:\(snapshot.metadata.term)/\(snapshot.metadata.index)"
        case .timeoutNow:
            return "TimeoutNow \(term)"
        case let .readIndex(context):
            return "ReadIndex \(term) context:\(context)"
        case let .readIndexResponse(context, index):
            return "ReadIndexResponse \(term) context:\(context) index:\(index)"
        }
    }

    /// A log entry: `2/6 put x=1`.
    static func entry(_ e: Entry) -> String {
        "\(e.term)/\(e.index) " + entryContent(e)
    }

    /// What an entry carries: `noop`, `conf ...`, or the operation of its command.
    static func entryContent(_ e: Entry) -> String {
        switch e.kind {
        case .noop: return "noop"
        case .configChange: return "conf " + (ConfigChange(encoded: e.data).map(String.init(describing:)) ?? "(undecodable)")
        case .normal: return (try? CommandCodec.decode(e.data)).map { operation($0.operation) } ?? "(undecodable)"
        }
    }

    /// A state machine operation: `put x=1`, `delete x`, `cas x 1->2`, `counter add c +1`,
    /// `lock acquire l by alice ttl:5000ms`, ... Member records (the machine's own entries under
    /// ``MemberRecords/prefix``) read `member record n4`.
    static func operation(_ op: StoreOperation) -> String {
        switch op {
        case let .put(key, value):
            if MemberRecords.isReserved(key) { return "member record \(key.split(separator: "/").last.map(String.init) ?? key)" }
            return "put \(key)=\(short(value))"
        case let .delete(key):
            if MemberRecords.isReserved(key) { return "member removed \(key.split(separator: "/").last.map(String.init) ?? key)" }
            return "delete \(key)"
        case let .compareAndSwap(key, expected, new):
            return "cas \(key) \(expected.map(short) ?? "absent")->\(new.map(short) ?? "absent")"
        case let .transaction(t):
            return "txn \(t.conditions.count) conditions, \(t.success.count)/\(t.failure.count) operations"
        case let .lockAcquire(name, holder, ttl):
            return "lock acquire \(name) by \(holder) ttl:\(ttl)ms"
        case let .lockRenew(name, holder, token, ttl):
            return "lock renew \(name) by \(holder) token:\(token) ttl:\(ttl)ms"
        case let .lockRelease(name, holder, token):
            return "lock release \(name) by \(holder) token:\(token)"
        case let .counterAdd(name, delta):
            return "counter add \(name) \(signed(delta))"
        case let .counterBatch(deltas):
            return "counter batch " + deltas.map { "\($0.name) \(signed($0.delta))" }.joined(separator: ", ")
        }
    }

    /// A value, cut to 24 characters.
    static func short(_ value: ConsensusValue) -> String {
        let text = value.description
        return text.count <= 24 ? text : String(text.prefix(23)) + "…"
    }

    static func signed(_ n: Int64) -> String { n >= 0 ? "+\(n)" : "\(n)" }
}
