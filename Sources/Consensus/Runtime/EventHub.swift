import Synchronization

/// Fan-out of events to any number of `AsyncStream` listeners, usable from any context.
final class EventHub: Sendable {
    private struct Listener {
        var key: String?
        var events: AsyncStream<ConsensusEvent>.Continuation?
        var values: AsyncStream<ConsensusValue?>.Continuation?
    }

    private let listeners = Mutex<(next: Int, all: [Int: Listener])>((0, [:]))
    private let changeListeners = Mutex<(next: Int, all: [Int: AsyncStream<KeyChange>.Continuation])>((0, [:]))
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
        let watchers = changeListeners.withLock { c in
            defer { c.all = [:] }
            return Array(c.all.values)
        }
        for w in watchers { w.finish() }
    }

    /// A stream of the changes published from now on. It ends (rather than skip a change) when
    /// its reader is more than `bufferMax` changes behind.
    func changes() -> AsyncStream<KeyChange> {
        let (stream, continuation) = AsyncStream<KeyChange>.makeStream(bufferingPolicy: .bufferingOldest(bufferMax))
        let id = changeListeners.withLock {
            $0.next += 1
            $0.all[$0.next] = continuation
            return $0.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.changeListeners.withLock { $0.all.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ changes: some Collection<KeyChange>) {
        let targets = changeListeners.withLock { $0.all.values.map { $0 } }
        for target in targets {
            for change in changes {
                if case .dropped = target.yield(change) {
                    target.finish()
                    break
                }
            }
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
