import Consensus
import ConsensusNetwork

/// A message between two members of a ``SteppedCluster``, as the transcript shows it:
/// `n1->n2 AppendEntries term:2 prev:1/5 commit:5 entries:[2/6 put x=1]` (see `StepFormat`).
public struct StepMessage: Sendable, Hashable, CustomStringConvertible {
    /// The sender's name.
    public var from: String
    /// The receiver's name.
    public var to: String
    /// The message itself.
    public var message: PeerMessage

    /// `from->to Kind fields...`, the form of every transcript line that shows a message.
    public var description: String { "\(from)->\(to) \(StepFormat.message(message))" }
}

/// How a client request ended.
public enum StepOutcome: String, Sendable, Hashable {
    /// It was answered with a result (a failed compare-and-swap or a refused lock is a result).
    case ok
    /// It was refused before reaching any log: it never takes effect.
    case failed
    /// Nobody knows whether it takes effect (a timeout, a member that crashed with it).
    case unknown
}

/// One thing that happened in a ``SteppedCluster``. ``description`` is its transcript line:
/// what a command did starts at the first column, and what that caused is indented by two
/// spaces beneath it (see ``isEffect``).
public enum StepEvent: Sendable, Hashable, CustomStringConvertible {
    // MARK: Causes: what the learner did.

    /// Time passed: `count` heartbeat intervals, for everyone or one member; `time` is then the
    /// clock (of that member, or the latest of all), in heartbeat intervals.
    case ticked(count: Int, member: String?, time: Int)
    /// A member was told to start an election.
    case campaigned(String)
    /// A message reached its receiver.
    case delivered(StepMessage)
    /// The learner dropped a message in flight.
    case dropped(StepMessage)
    /// A message in flight was lost on delivery: its link is cut or its receiver is down.
    case lost(StepMessage, reason: String)
    /// A client sent a request to a member.
    case requested(RequestID, member: String, StepRequest)
    /// A member crashed.
    case crashed(String)
    /// A member started again from its disk, described.
    case restarted(String, disk: String)
    /// The network was cut between these sides.
    case partitioned([[String]])
    /// Every link was restored.
    case healed
    /// A line of a report (`status`, `debug`, `messages`, `history`, `check`).
    case report(String)
    /// The command could not run: why, and what to type instead.
    case refused(String)

    // MARK: Effects: what the members did about it.

    /// A member sent a message; `lost` says why the network lost it at once (a cut link).
    case sent(StepMessage, lost: String?)
    /// A member's role, term or leader changed.
    case roleChanged(member: String, role: String, term: UInt64, leader: String?)
    /// A member's log lost these entries (a new leader overwrote them, §5.3).
    case truncated(member: String, entries: [String])
    /// A member's log gained these entries.
    case appended(member: String, entries: [String])
    /// A member's commit index moved.
    case committed(member: String, from: UInt64, to: UInt64)
    /// A member applied an entry to its state machine.
    case applied(member: String, entry: String)
    /// A member installed a snapshot (`term/index`).
    case installedSnapshot(member: String, at: String)
    /// A member answered a client request (or the request ended without an answer).
    case answered(RequestID, member: String, StepRequest, outcome: StepOutcome, detail: String)
    /// A member's failure detector changed its mind (unreachable, reconnected, partition).
    case noticed(member: String, what: String)

    /// Whether this is a message sent back to the sender of `message`.
    func isReply(to message: StepMessage) -> Bool {
        guard case .sent(let m, _) = self else { return false }
        return m.from == message.to && m.to == message.from
    }

    /// Whether this line is caused by the line above it (and indented).
    public var isEffect: Bool {
        switch self {
        case .ticked, .campaigned, .delivered, .dropped, .lost, .requested, .crashed, .restarted, .partitioned, .healed,
             .report, .refused:
            return false
        case .sent, .roleChanged, .truncated, .appended, .committed, .applied, .installedSnapshot, .answered, .noticed:
            return true
        }
    }

    /// The transcript line: indented by two spaces when ``isEffect``.
    public var description: String { (isEffect ? "  " : "") + text }

    private var text: String {
        switch self {
        case let .ticked(count, member, time):
            return "tick \(count)" + (member.map { " \($0)" } ?? "") + ": time \(time)"
        case .campaigned(let member): return "campaign \(member)"
        case .delivered(let m): return "deliver \(m)"
        case .dropped(let m): return "drop \(m)"
        case let .lost(m, reason): return "lost \(m) (\(reason))"
        case let .requested(id, member, request): return "\(id) \(request) -> \(member)"
        case .crashed(let member): return "crash \(member)"
        case let .restarted(member, disk): return "restart \(member) from disk: \(disk)"
        case .partitioned(let sides): return "partition " + sides.map { $0.joined(separator: " ") }.joined(separator: " | ")
        case .healed: return "heal"
        case .report(let line): return line
        case .refused(let why): return "error: \(why)"
        case let .sent(m, lost): return "\(m)" + (lost.map { " (lost: \($0))" } ?? "")
        case let .roleChanged(member, role, term, leader):
            if role == "follower", let leader { return "\(member) follows \(leader) term:\(term)" }
            return "\(member) becomes \(role) term:\(term)"
        case let .truncated(member, entries): return "\(member) drops " + entries.joined(separator: ", ")
        case let .appended(member, entries): return "\(member) appends " + entries.joined(separator: ", ")
        case let .committed(member, from, to): return "\(member) commit \(from)->\(to)"
        case let .applied(member, entry): return "\(member) applies \(entry)"
        case let .installedSnapshot(member, at): return "\(member) installs snapshot \(at)"
        case let .answered(id, member, request, outcome, detail):
            return "\(member) answers \(id) \(request): \(outcome.rawValue)" + (detail.isEmpty ? "" : " \(detail)")
        case let .noticed(member, what): return "\(member) \(what)"
        }
    }
}
