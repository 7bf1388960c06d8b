import ConsensusNetwork

/// The messages waiting for one peer, oldest first, at most `countMax` of them: a push past
/// the bound is refused (the caller answers ``PeerSendResult/queueFull``), never grown.
struct OutboundQueue: Sendable {
    let countMax: Int
    private var items: [PeerMessage] = []
    private var head = 0

    init(countMax: Int) {
        precondition(countMax >= 1, "an outbound queue holds at least one message")
        self.countMax = countMax
    }

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    /// Appends `message` unless the queue is full. Returns whether it was appended.
    mutating func push(_ message: PeerMessage) -> Bool {
        guard count < countMax else { return false }
        items.append(message)
        return true
    }

    /// Removes and returns the oldest message.
    mutating func pop() -> PeerMessage? {
        guard head < items.count else { return nil }
        let message = items[head]
        head += 1
        if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return message
    }

    mutating func removeAll() {
        items.removeAll()
        head = 0
    }
}
