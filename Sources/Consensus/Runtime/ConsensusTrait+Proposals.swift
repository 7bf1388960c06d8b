import ConsensusCore
import ConsensusNetwork

/// Proposals: `propose`, `proposeWithResult`, and the operations behind the primitives. Any
/// member accepts them; followers forward them to the leader, and every member learns the
/// outcome by applying the entry.
extension ConsensusTrait {
    /// Proposes `key = value`. Returns whether it was committed and applied (the lesson's
    /// `propose`); ``proposeWithResult(_:_:)`` says why not.
    @discardableResult
    public func propose(_ key: String, _ value: ConsensusValue) async throws(ConsensusError) -> Bool {
        try await proposeWithResult(key, value).accepted
    }

    /// Proposes `key = value` for any `Encodable` value.
    @discardableResult
    public func propose(_ key: String, encoding value: some Encodable & Sendable) async throws(ConsensusError) -> Bool {
        let v: ConsensusValue
        do { v = try ConsensusValue(encoding: value) } catch { throw .rejected(reason: "cannot encode the value: \(error)") }
        return try await propose(key, v)
    }

    /// Proposes `key = value` and reports the details: proposal id, votes, quorum, error.
    /// A timeout or a lost leader is reported in the result (`accepted == false`, `error` set),
    /// not thrown; only calling a node that is not running throws.
    public func proposeWithResult(_ key: String, _ value: ConsensusValue) async throws(ConsensusError) -> ProposalResult {
        try await submit(.put(key: key, value: value))
    }

    /// Deletes `key` through consensus.
    @discardableResult
    public func delete(_ key: String) async throws(ConsensusError) -> ProposalResult {
        try await submit(.delete(key: key))
    }

    /// Atomic compare-and-swap, decided by the state machine when the entry is applied: sets
    /// `key` to `new` only if its value is `expected` at that moment (`nil`: absent / delete).
    public func compareAndSwap(_ key: String, expected: ConsensusValue?, new: ConsensusValue?) async throws(ConsensusError) -> ProposalResult {
        try await submit(.compareAndSwap(key: key, expected: expected, new: new))
    }

    /// Proposes any state machine operation (transactions, locks, counters).
    public func submit(_ operation: StoreOperation) async throws(ConsensusError) -> ProposalResult {
        if majority != nil {
            switch operation {
            case let .put(key, value): return await majorityPropose(key: key, value: value)
            case let .delete(key): return await majorityPropose(key: key, value: nil)
            default:
                throw .unsupported("\(operation.summary.key): compare-and-swap, transactions, locks and counters need a total order of writes; use the raft mechanism")
            }
        }
        guard raft != nil else { throw failure ?? .notRunning }
        nextSequence += 1
        let id = ProposalID(node: session, sequence: nextSequence)
        let command = Command(id: id, time: 0, operation: operation)
        let timeout = configuration.timeout
        // On the minority side of a partition a write cannot commit: say so now rather than
        // after the timeout.
        let outcome: Result<ProposalResult, ConsensusError> = partition?.side == .minority
            ? .failure(.noQuorum)
            : await withCheckedContinuation { continuation in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.expire(id)
            }
            waiters[id] = ProposalWaiter(command: command, continuation: continuation, timeout: timer)
            enqueue(command, hops: 0)
        }
        switch outcome {
        case .success(let result):
            return result
        case .failure(let error):
            if error == .notRunning { throw error }
            let (key, value) = operation.summary
            let voters = raft?.configuration.voters.count ?? 0
            return ProposalResult(
                proposalID: id.description, accepted: false, key: key, value: value,
                votes: .init(for: 0, against: 0, total: voters), quorumRequired: voters / 2 + 1,
                error: error.description, index: nil, result: nil)
        }
    }

    private func expire(_ id: ProposalID) {
        waiters.removeValue(forKey: id)?.continuation.resume(returning: .failure(.timedOut))
    }

    /// Routes a command: the leader proposes it (in a batch when configured), a follower forwards
    /// it to the leader, and with no leader known it waits for one.
    func enqueue(_ command: Command, hops: Int) {
        guard let r = raft else { return }
        if r.isLeader {
            var stamped = command
            stamped.time = stampTime()
            if configuration.batchUpdates {
                batch.append(stamped)
                if batch.count >= Self.maxBatch {
                    flushBatch()
                } else if !batchFlushScheduled {
                    batchFlushScheduled = true
                    let window = configuration.batchWindow
                    Task { [weak self] in
                        try? await Task.sleep(for: window)
                        await self?.flushBatch()
                    }
                }
            } else {
                proposeNow([stamped])
            }
        } else if let leader = r.leader, hops < Self.maxForwardHops {
            do {
                send(to: leader, .forward(command: try CommandCodec.encode(command, compressAbove: compressAbove), hops: hops))
            } catch {
                fail(command.id, .rejected(reason: "cannot encode the command: \(error)"))
            }
        } else if hops == 0 {
            awaitingLeader.append(command)
        }
    }

    static var maxBatch: Int { 1024 }
    static var maxForwardHops: Int { 3 }

    var compressAbove: Int? { configuration.compression ? configuration.compressionThreshold : nil }

    func flushBatch() {
        batchFlushScheduled = false
        guard !batch.isEmpty else { return }
        let commands = batch
        batch = []
        proposeNow(commands)
    }

    private func proposeNow(_ commands: [Command]) {
        guard raft != nil else { return }
        var payloads: [[UInt8]] = []
        for c in commands {
            do {
                payloads.append(try CommandCodec.encode(c, compressAbove: compressAbove))
            } catch {
                fail(c.id, .rejected(reason: "cannot encode the command: \(error)"))
            }
        }
        guard !payloads.isEmpty else { return }
        do {
            try raft!.propose(batch: payloads)
        } catch {
            switch error {
            case .notLeader, .transferInProgress:
                for c in commands { enqueue(c, hops: 1) }
            case .overloaded:
                for c in commands { fail(c.id, .overloaded) }
            default:
                for c in commands { fail(c.id, .rejected(reason: error.description)) }
            }
        }
        processReady()
    }

    func fail(_ id: ProposalID, _ error: ConsensusError) {
        waiters.removeValue(forKey: id)?.finish(.failure(error))
    }
}
