import Consensus
import ConsensusServer

/// What the REPL's commands run against. Process mode implements it over the HTTP API of
/// `consensus node` processes (``ProcessBackend``); step mode will implement it on a simulated
/// cluster in this process, so that the same parsed commands, formatting, history and check
/// serve both.
///
/// Replies are JSON values in the shapes of the HTTP API (`{"revision": 5}`, `{"key", "value",
/// "revision"}`, ...), described in `Sources/ConsensusServer/openapi.yaml`.
public protocol ReplBackend: Sendable {
    /// The members, in a stable order.
    func memberIDs() async -> [String]
    /// Every member's status, or why it has none.
    func reports() async -> [MemberReport]
    /// Sends `request` to `member` and returns its reply.
    /// - Throws: ``ReplError``: a refusal (`failed`: it did not and will not happen) or no answer
    ///   (`unknown`: it may still happen).
    func send(_ request: ClientRequest, to member: String) async throws(ReplError) -> ConsensusValue
    /// Performs a fault (members already resolved to ids) and says what it did.
    func perform(_ fault: ResolvedFault) async throws(ReplError) -> String
    /// The changes of `key` (or of every key under it) on `member`, each as `{"key", "value",
    /// "deleted", "revision"}`, until the consuming task is cancelled.
    func watch(key: String, prefix: Bool, on member: String) -> AsyncThrowingStream<ConsensusValue, any Error>
    /// Every member's events (`{"type", "member", ...}` as `GET /v1/events`), until the consuming
    /// task is cancelled.
    func events() -> AsyncStream<ConsensusValue>
    /// Stops whatever the backend started.
    func shutdown() async
    /// Starts a new member `id` that can join the cluster, and returns its peer address (the
    /// cluster adds it afterwards, through consensus).
    func startMember(_ id: String) async throws(ReplError) -> String
}

extension ReplBackend {
    public func startMember(_ id: String) async throws(ReplError) -> String {
        throw ReplError("add-node: this session cannot start members; give the new member's peer address, as add-node \(id) 127.0.0.1:7004")
    }
}

/// A fault with its members resolved to ids.
public enum ResolvedFault: Sendable, Hashable {
    case kill(String)
    case restart(String)
    case pause(String)
    case resume(String)
    case partition([String], [String])
    case heal
}

/// One member as `status` shows it.
public struct MemberReport: Sendable {
    /// The member's id.
    public var id: String
    /// What it said about itself, or `nil` when it did not answer.
    public var status: MemberStatus?
    /// Why there is no status, or a state the backend knows (`killed`, `paused`).
    public var note: String?

    public init(id: String, status: MemberStatus?, note: String? = nil) {
        self.id = id
        self.status = status
        self.note = note
    }
}

/// A command that did not succeed, in one line, and whether its change may still happen.
public struct ReplError: Error, Sendable, Hashable, CustomStringConvertible {
    /// How sure the REPL is about a failed change.
    public enum Outcome: String, Sendable, Hashable {
        /// It did not happen and will not.
        case failed
        /// It may or may not happen (no answer, a timeout).
        case unknown
    }

    /// The message, as printed: what went wrong and what to do.
    public var message: String
    /// Whether the change may still happen.
    public var outcome: Outcome
    /// The API's error code, when a member answered with one.
    public var code: String?

    public init(_ message: String, outcome: Outcome = .failed, code: String? = nil) {
        self.message = message
        self.outcome = outcome
        self.code = code
    }

    public var description: String { message }
}
