/// A message between two members. Every message carries the sender's term (§5.1).
public struct Message: Sendable, Hashable, CustomStringConvertible {
    public var from: NodeID
    public var to: NodeID
    /// The sender's term, except for a pre-vote request (the term the sender would campaign in)
    /// and a granted pre-vote response (the term of the request), as in §9.6 of the dissertation.
    public var term: Term
    public var kind: Kind

    public init(from: NodeID, to: NodeID, term: Term, kind: Kind) {
        self.from = from
        self.to = to
        self.term = term
        self.kind = kind
    }

    public enum Kind: Sendable, Hashable {
        /// Would you vote for me if I campaigned? (pre-vote, §9.6 of the dissertation)
        case preVote(lastIndex: LogIndex, lastTerm: Term)
        case preVoteResponse(granted: Bool)
        /// RequestVote (§5.2). `leadershipTransfer` asks voters to ignore their leader lease.
        case vote(lastIndex: LogIndex, lastTerm: Term, leadershipTransfer: Bool)
        case voteResponse(granted: Bool)
        /// AppendEntries with the consistency check on `prevIndex`/`prevTerm` (§5.3).
        case append(prevIndex: LogIndex, prevTerm: Term, entries: [Entry], commit: LogIndex)
        /// On success `index` is the follower's new last matching index. On rejection `index` is
        /// the rejected `prevIndex` and (`hintIndex`, `hintTerm`) is the follower's guess of
        /// where the logs may agree (fast back-up).
        case appendResponse(success: Bool, index: LogIndex, hintIndex: LogIndex, hintTerm: Term)
        /// A heartbeat. `commit` is capped at what the follower is known to have; `readSequence`
        /// confirms leadership for pending ReadIndex requests.
        case heartbeat(commit: LogIndex, readSequence: UInt64)
        case heartbeatResponse(readSequence: UInt64)
        /// InstallSnapshot (§7), sent whole. The follower answers with an ``appendResponse``.
        case installSnapshot(Snapshot)
        /// Start an election now, skipping pre-vote (leadership transfer, §3.10 of the dissertation).
        case timeoutNow
        /// A follower asks the leader for a read index on behalf of a client (§6.4).
        case readIndex(context: UInt64)
        /// The leader's answer: the read may be served once `index` is applied. `index` is 0 when
        /// the leader could not serve it (it lost leadership).
        case readIndexResponse(context: UInt64, index: LogIndex)
    }

    /// Whether this is a leader replicating to a follower (AppendEntries, a heartbeat, a
    /// snapshot): a message that promises nothing about the sender's own disk. See
    /// ``Ready/messagesBeforePersisting``.
    public var isReplication: Bool {
        switch kind {
        case .append, .heartbeat, .installSnapshot: return true
        default: return false
        }
    }

    /// A short name for traces: `MsgApp`, `MsgVote`, ...
    public var name: String {
        switch kind {
        case .preVote: return "MsgPreVote"
        case .preVoteResponse: return "MsgPreVoteResp"
        case .vote: return "MsgVote"
        case .voteResponse: return "MsgVoteResp"
        case .append: return "MsgApp"
        case .appendResponse: return "MsgAppResp"
        case .heartbeat: return "MsgHeartbeat"
        case .heartbeatResponse: return "MsgHeartbeatResp"
        case .installSnapshot: return "MsgSnap"
        case .timeoutNow: return "MsgTimeoutNow"
        case .readIndex: return "MsgReadIndex"
        case .readIndexResponse: return "MsgReadIndexResp"
        }
    }

    /// The transcript form, e.g. `1->2 MsgApp Term:2 Log:2/5 Commit:4 Entries:[2/6]`.
    public var description: String {
        var s = "\(from)->\(to) \(name) Term:\(term)"
        switch kind {
        case let .preVote(li, lt), let .vote(li, lt, false):
            s += " Log:\(lt)/\(li)"
        case let .vote(li, lt, true):
            s += " Log:\(lt)/\(li) Transfer"
        case let .preVoteResponse(g), let .voteResponse(g):
            if !g { s += " Rejected" }
        case let .append(pi, pt, entries, commit):
            s += " Log:\(pt)/\(pi) Commit:\(commit)"
            if !entries.isEmpty {
                s += " Entries:[" + entries.map { "\($0.term)/\($0.index)\($0.kind == .normal ? "" : " \($0.kind)")" }
                    .joined(separator: ", ") + "]"
            }
        case let .appendResponse(success, index, hi, ht):
            s += success ? " Index:\(index)" : " Rejected:\(index) Hint:\(ht)/\(hi)"
        case let .heartbeat(commit, seq):
            s += " Commit:\(commit)" + (seq > 0 ? " Read:\(seq)" : "")
        case let .heartbeatResponse(seq):
            if seq > 0 { s += " Read:\(seq)" }
        case let .installSnapshot(snap):
            s += " Snapshot:\(snap.metadata.term)/\(snap.metadata.index) \(snap.metadata.configuration)"
        case .timeoutNow:
            break
        case let .readIndex(ctx):
            s += " Context:\(ctx)"
        case let .readIndexResponse(ctx, index):
            s += " Context:\(ctx) Index:\(index)"
        }
        return s
    }
}
