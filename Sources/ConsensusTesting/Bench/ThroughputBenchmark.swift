import ConsensusCore

/// Three in-memory Raft cores driven as fast as one thread allows, to measure how many entries
/// per second the core itself can commit: no clock, no I/O, no randomness beyond the seeded
/// election timers. `consensus bench` times ``run()``; tests check what it commits.
///
/// Setup elects node 1. ``run()`` then repeats rounds until `entries` proposals are committed
/// and applied on all three nodes. One round:
///
/// 1. the leader proposes a batch of `batchSize` commands of `payloadBytes` bytes (one append);
/// 2. every node with work hands out its ``Ready``, and the driver performs it in the documented
///    order: persist into a ``MemoryRaftStorage``, queue the messages, apply the committed
///    entries (checking that they arrive in log order), then ``Raft/advance(_:)``;
/// 3. the queued messages are delivered, in the order they were sent;
/// 4. once every node has applied `compactionInterval` more entries, each node stores a snapshot
///    and compacts its log and its store, so memory stays bounded however long the run.
public struct ThroughputBenchmark: Sendable {
    public struct Parameters: Sendable, Hashable {
        /// Proposals to commit and apply on every node.
        public var entries: Int
        /// Proposals per append at the leader (`Raft.propose(batch:)`).
        public var batchSize: Int
        /// Bytes of each proposal's payload.
        public var payloadBytes: Int
        /// Entries applied on every node between two compactions.
        public var compactionInterval: Int
        /// Seeds the nodes' election timers.
        public var seed: UInt64

        public init(entries: Int, batchSize: Int, payloadBytes: Int = 16, compactionInterval: Int = 8192, seed: UInt64 = 1) {
            self.entries = entries
            self.batchSize = batchSize
            self.payloadBytes = payloadBytes
            self.compactionInterval = compactionInterval
            self.seed = seed
        }

        /// A message naming the first invalid field, or `nil`.
        public func validationError() -> String? {
            if entries < 1 { return "entries must be at least 1 (got \(entries))" }
            if batchSize < 1 { return "batch size must be at least 1 (got \(batchSize))" }
            if payloadBytes < 0 { return "payload bytes must not be negative (got \(payloadBytes))" }
            if compactionInterval < 1 { return "compaction interval must be at least 1 (got \(compactionInterval))" }
            return nil
        }
    }

    /// What one run did.
    public struct Result: Sendable, Hashable {
        /// Proposals applied on each node, in node order (every one equals `entries` at the end).
        public var appliedProposals: [Int]
        /// Each node's commit index at the end (it includes the leader's no-op entry).
        public var commitIndexes: [LogIndex]
        /// Driving rounds, Ready batches handled and messages delivered.
        public var rounds: Int
        public var readies: Int
        public var messages: Int
        /// Compactions per node, and the most entries any store held at once.
        public var compactions: Int
        public var storedEntriesMax: Int
    }

    public static let nodeIDs: [NodeID] = [1, 2, 3]
    public static let leaderID: NodeID = 1

    /// One member: its core, its "disk" and its state machine (a count of applied proposals).
    struct Node: Sendable {
        var raft: Raft
        var store: MemoryRaftStorage
        var appliedIndex: LogIndex = 0
        var appliedProposals = 0

        /// Performs one Ready, if there is one, in the documented order. Returns whether there was.
        /// (A mutating method on the element, so that the array never copies the core.)
        mutating func handleReady(sendingTo outbox: inout [Message]) -> Bool {
            guard raft.hasReady else { return false }
            let rd = raft.ready()
            // 1. Persist.
            store.persist(rd)
            // 2. Send (queued; delivered after every node has persisted).
            outbox.append(contentsOf: rd.messages)
            // 3. Apply.
            for entry in rd.committedEntries {
                precondition(entry.index == appliedIndex + 1, "node \(raft.id) applied \(entry.index) after \(appliedIndex)")
                appliedIndex = entry.index
                if entry.kind == .normal { appliedProposals += 1 }
            }
            // 4. Acknowledge.
            raft.advance(rd)
            return true
        }

        /// Stores a snapshot of the state machine at `index` (at most `appliedIndex`), then lets
        /// the core drop the entries it covers.
        mutating func compact(upTo index: LogIndex) {
            var proposals = appliedProposals
            if appliedIndex > index {
                for entry in raft.entries(in: (index + 1)...appliedIndex) where entry.kind == .normal { proposals -= 1 }
            }
            let metadata = SnapshotMetadata(index: index, term: raft.term(at: index)!, configuration: raft.configuration)
            let data = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(proposals) >> (8 * $0)) }
            // The caller persists the snapshot before the core drops the entries it covers.
            store.compact(Snapshot(metadata: metadata, data: data))
            raft.compact(upTo: index, snapshotData: data)
        }
    }

    public let parameters: Parameters
    private(set) var nodes: [Node]
    private var outbox: [Message] = []
    private var inTransit: [Message] = []
    private var compactedTo: LogIndex = 0
    private var result = Result(appliedProposals: [], commitIndexes: [], rounds: 0, readies: 0, messages: 0,
                                compactions: 0, storedEntriesMax: 0)

    /// Builds the three nodes and elects node 1 (not part of what ``run()`` measures).
    public init(_ parameters: Parameters) {
        if let problem = parameters.validationError() { preconditionFailure("invalid benchmark parameters: \(problem)") }
        self.parameters = parameters
        var options = RaftOptions()
        // The leader never nears the bound on uncommitted entries in this lock-step driver, but
        // a batch must fit under it.
        options.maxUncommittedEntries = max(options.maxUncommittedEntries, 4 * parameters.batchSize)
        let voters = Set(Self.nodeIDs)
        nodes = Self.nodeIDs.enumerated().map { i, id in
            let store = MemoryRaftStorage(bootstrap: voters)
            let raft = Raft(id: id, options: options, storage: store.persistentState,
                            random: SplitMix64(seed: parameters.seed &+ UInt64(i)))
            return Node(raft: raft, store: store)
        }
        nodes[0].raft.campaign()
        while roundOfWork() {}
        precondition(nodes[0].raft.isLeader, "node 1 did not win the election")
        result.readies = 0
        result.messages = 0
    }

    /// Proposes and replicates until `entries` proposals are applied on every node.
    /// Call it once per instance: a second call finds the work already done.
    public mutating func run() -> Result {
        let payload = [UInt8](repeating: 0xA5, count: parameters.payloadBytes)
        // One batch of commands, built once: a client would hand over an array of its own.
        let batch = [[UInt8]](repeating: payload, count: parameters.batchSize)
        var proposed = 0
        while nodes.indices.contains(where: { nodes[$0].appliedProposals < parameters.entries }) {
            var progressed = false
            if proposed < parameters.entries {
                let count = min(parameters.batchSize, parameters.entries - proposed)
                do {
                    try nodes[0].raft.propose(batch: batch[..<count])
                    proposed += count
                    progressed = true
                } catch .overloaded {
                    // Let the followers catch up first.
                } catch {
                    preconditionFailure("the leader refused a proposal: \(error)")
                }
            }
            if roundOfWork() { progressed = true }
            precondition(progressed, "the cluster stalled with \(nodes.map(\.appliedProposals)) of \(parameters.entries) applied")
            result.rounds += 1
            compactIfDue()
        }
        result.appliedProposals = nodes.map(\.appliedProposals)
        result.commitIndexes = nodes.map(\.raft.commitIndex)
        return result
    }

    /// Handles every node's Ready, then delivers the messages they sent, in the order they were
    /// sent. Returns whether there was anything to do.
    private mutating func roundOfWork() -> Bool {
        var worked = false
        for i in nodes.indices where nodes[i].handleReady(sendingTo: &outbox) {
            result.readies += 1
            worked = true
        }
        if !outbox.isEmpty {
            // Two buffers, swapped, so that neither is reallocated round after round.
            swap(&outbox, &inTransit)
            for m in inTransit { nodes[Int(m.to) - 1].raft.step(m) }
            result.messages += inTransit.count
            inTransit.removeAll(keepingCapacity: true)
            worked = true
        }
        return worked
    }

    /// Snapshots and compacts every node once all of them applied `compactionInterval` entries
    /// past the last compaction. Compacting only what all have applied keeps the leader from
    /// falling back to sending snapshots.
    private mutating func compactIfDue() {
        var index = LogIndex.max
        for i in nodes.indices {
            index = min(index, nodes[i].appliedIndex)
            result.storedEntriesMax = max(result.storedEntriesMax, nodes[i].store.entries.count)
        }
        guard index >= compactedTo + LogIndex(parameters.compactionInterval) else { return }
        for i in nodes.indices { nodes[i].compact(upTo: index) }
        compactedTo = index
        result.compactions += 1
    }
}
