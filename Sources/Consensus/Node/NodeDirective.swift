import ConsensusCore
import ConsensusNetwork

/// What a ``NodeStateMachine`` asks its shell to do. The shell performs directives **in order**
/// and decides nothing:
///
/// 1. ``persist(_:)``: write durably (one fsync; none when ``PersistBatch/mustSync`` is false),
///    then feed ``NodeInput/persisted``. The machine holds back every message and answer that
///    depends on it until then. (A leader's replication messages come as ``send(to:_:)``
///    directives *before* the persist: perform them first, the write goes on in parallel.)
/// 2. ``saveSnapshot(_:)``: write after every earlier persist; a failure is
///    ``NodeInput/storageFailed(_:)``.
/// 3. ``send(to:_:)``, ``answer(_:_:)``, ``emit(_:)``, ``wakeUp(after:)``, ``halted(_:)``.
public enum NodeDirective: Sendable {
    /// Durably write hard state, entries and snapshot (group commit: one sync for the batch).
    case persist(PersistBatch)
    /// Store a snapshot of the state machine; the log before it may be dropped.
    case saveSnapshot(Snapshot)
    /// Send a message to a peer, by name.
    case send(to: String, PeerMessage)
    /// Answer a client request (exactly once per request).
    case answer(RequestID, Result<NodeResponse, ConsensusError>)
    /// Report an event to subscribers.
    case emit(ConsensusEvent)
    /// Feed ``NodeInput/wakeUp`` after this much time (an earlier request may be replaced).
    case wakeUp(after: Duration)
    /// The member stopped for good because of this error (storage failure).
    case halted(ConsensusError)
}

/// What one ``NodeDirective/persist(_:)`` writes: step 1 of the core's `Ready`.
public struct PersistBatch: Sendable {
    public var hardState: HardState?
    public var entries: [Entry]
    public var snapshot: Snapshot?
    /// False when the batch is only a hard state whose commit index moved: the shell may write it
    /// without waiting for the disk (it still feeds ``NodeInput/persisted`` once written). See
    /// `Ready.mustSync`.
    public var mustSync: Bool = true

    /// Only a hard state, and no need to wait for the disk (a commit index that moved).
    public var isUnsyncedHardStateOnly: Bool {
        !mustSync && hardState != nil && entries.isEmpty && snapshot == nil
    }
}

extension NodeDirective: CustomStringConvertible {
    /// One line per directive, for transcripts and the step mode.
    public var description: String {
        switch self {
        case .persist(let b):
            var parts: [String] = []
            if let h = b.hardState { parts.append("hardState(term: \(h.term), vote: \(h.vote.map { String($0, radix: 16) } ?? "-"), commit: \(h.commit))") }
            if !b.entries.isEmpty { parts.append("entries \(b.entries.first!.index)...\(b.entries.last!.index)") }
            if let s = b.snapshot { parts.append("snapshot at \(s.metadata.index)") }
            return "persist " + parts.joined(separator: ", ")
        case .saveSnapshot(let s): return "saveSnapshot at \(s.metadata.index)"
        case let .send(to, message): return "send \(to) \(message.summary)"
        case let .answer(id, .success(r)): return "answer \(id) \(r.summary)"
        case let .answer(id, .failure(e)): return "answer \(id) error \(e.code.rawValue)"
        case .emit(let e): return "emit \(e)"
        case .wakeUp(let d): return "wakeUp after \(d)"
        case .halted(let e): return "halted \(e.code.rawValue)"
        }
    }
}

extension NodeResponse {
    var summary: String {
        switch self {
        case .proposal(let p):
            return p.accepted ? "accepted \(p.key) at \(p.index ?? 0)" : "not accepted \(p.key): \(p.errorCode?.rawValue ?? "refused")"
        case let .value(v, applied): return "value \(v.map { "\($0.value)@\($0.revision)" } ?? "absent") applied=\(applied)"
        case .done: return "done"
        }
    }
}

extension PeerMessage {
    /// A short name of the message, for transcripts.
    public var summary: String {
        switch self {
        case .raft(let m): return "\(m.name) term=\(m.term)"
        case let .forward(_, hops): return "Forward hops=\(hops)"
        case .ping(let s): return "Ping \(s)"
        case .pong(let s): return "Pong \(s)"
        case .majorityPropose(let w): return "MajorityPropose \(w.key)"
        case let .majorityVote(s, a): return "MajorityVote \(s) \(a ? "yes" : "no")"
        case .majorityCommit(let w): return "MajorityCommit \(w.key)"
        case .majoritySyncRequest: return "MajoritySyncRequest"
        case .majoritySync(let ws): return "MajoritySync \(ws.count)"
        case let .majorityMembers(v, m): return "MajorityMembers v\(v) \(m.keys.sorted().joined(separator: ","))"
        }
    }
}
