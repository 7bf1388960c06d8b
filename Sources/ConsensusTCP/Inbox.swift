import ConsensusNetwork
import Logging

/// What the transport hands its owner, in arrival order, one at a time, from one task: the
/// messages peers sent, and the peers it lost. Bounded: past `countMax` waiting items, a new one
/// is dropped and a warning logged.
final class Inbox: Sendable {
    enum Item: Sendable {
        case message(from: String, PeerMessage)
        case unreachable(String)
    }

    private let continuation: AsyncStream<Item>.Continuation
    private let task: Task<Void, Never>
    private let logger: Logger

    init(
        countMax: Int, logger: Logger,
        onMessage: @escaping @Sendable (String, PeerMessage) async -> Void,
        onUnreachable: @escaping @Sendable (String) async -> Void
    ) {
        let (stream, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingOldest(max(1, countMax)))
        self.continuation = continuation
        self.logger = logger
        task = Task {
            for await item in stream {
                switch item {
                case let .message(from, message): await onMessage(from, message)
                case let .unreachable(peer): await onUnreachable(peer)
                }
            }
        }
    }

    func deliver(_ item: Item) {
        if case .dropped = continuation.yield(item) {
            logger.warning("inbox full: dropped an item from the transport", metadata: ["item": "\(item.summary)"])
        }
    }

    /// Stops taking items and waits for the ones already taken to be handed over.
    func finish() async {
        continuation.finish()
        await task.value
    }
}

extension Inbox.Item {
    var summary: String {
        switch self {
        case let .message(from, message): return "message \(message.kindName) from \(from)"
        case let .unreachable(peer): return "unreachable \(peer)"
        }
    }
}

extension PeerMessage {
    /// The case's name, for logs.
    var kindName: String {
        switch self {
        case .raft(let message): return "raft(\(message.kind))".prefix(60).description
        case .forward: return "forward"
        case .ping: return "ping"
        case .pong: return "pong"
        case .majorityPropose: return "majorityPropose"
        case .majorityVote: return "majorityVote"
        case .majorityCommit: return "majorityCommit"
        case .majoritySyncRequest: return "majoritySyncRequest"
        case .majoritySync: return "majoritySync"
        case .majorityMembers: return "majorityMembers"
        }
    }
}
