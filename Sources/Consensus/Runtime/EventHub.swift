import Synchronization

/// Fan-out of events to any number of `AsyncStream` listeners, usable from any context.
final class EventHub: Sendable {
    private struct Listener {
        var key: String?
        var events: AsyncStream<ConsensusEvent>.Continuation?
        var values: AsyncStream<ConsensusValue?>.Continuation?
    }

    private let listeners = Mutex<(next: Int, all: [Int: Listener])>((0, [:]))
    private let droppedCount = Mutex(0)
    /// Events buffered per subscriber; beyond it the oldest are dropped (and counted).
    let bufferMax: Int

    init(bufferMax: Int = 10_000) {
        self.bufferMax = max(1, bufferMax)
    }

    /// Events that slow subscribers lost.
    var dropped: Int { droppedCount.withLock { $0 } }

    /// A stream of every event from now on.
    func events() -> AsyncStream<ConsensusEvent> {
        let (stream, continuation) = AsyncStream<ConsensusEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferMax))
        let id = add(Listener(key: nil, events: continuation, values: nil))
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    /// A stream of the new values of `key` from now on (`nil` when it is deleted).
    func values(of key: String) -> AsyncStream<ConsensusValue?> {
        let (stream, continuation) = AsyncStream<ConsensusValue?>.makeStream(bufferingPolicy: .bufferingNewest(bufferMax))
        let id = add(Listener(key: key, events: nil, values: continuation))
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    func emit(_ event: ConsensusEvent) {
        let targets = listeners.withLock { $0.all.values.compactMap(\.events) }
        for t in targets { count(t.yield(event)) }
        if case let .stateChanged(key, new, _) = event {
            let watchers = listeners.withLock { $0.all.values.filter { $0.key == key }.compactMap(\.values) }
            for w in watchers { count(w.yield(new)) }
        }
    }

    private func count<T>(_ result: AsyncStream<T>.Continuation.YieldResult) {
        if case .dropped = result { droppedCount.withLock { $0 += 1 } }
    }

    func finishAll() {
        let all = listeners.withLock { l in
            defer { l.all = [:] }
            return Array(l.all.values)
        }
        for l in all {
            l.events?.finish()
            l.values?.finish()
        }
    }

    private func add(_ l: Listener) -> Int {
        listeners.withLock {
            $0.next += 1
            $0.all[$0.next] = l
            return $0.next
        }
    }

    private func remove(_ id: Int) {
        _ = listeners.withLock { $0.all.removeValue(forKey: id) }
    }
}
