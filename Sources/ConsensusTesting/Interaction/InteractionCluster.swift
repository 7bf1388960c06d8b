import ConsensusCore

/// A small, fully deterministic cluster of ``Raft`` cores for scenario tests, in the spirit of
/// etcd-io/raft's interaction tests.
///
/// The cluster performs every node's duties from ``Ready`` exactly as documented (persist into a
/// ``MemoryRaftStorage``, queue the messages, apply committed entries, record read states, then
/// advance), and keeps a transcript of what happened:
///
/// ```
/// 1 became pre-candidate at term 0
/// 1->2 MsgPreVote Term:1 Log:0/0
/// 1->3 MsgPreVote Term:1 Log:0/0
/// ...
/// ```
///
/// Messages are not delivered until the test says so (``deliver(where:)`` or ``stabilize()``), so
/// a test can look at, drop or reorder what is in flight. Nothing is iterated in hash order: node
/// ids are always visited in ascending order and messages in the order they were sent.
public final class InteractionCluster {
    /// One command applied by a node's state machine.
    public struct AppliedCommand: Sendable, Hashable, CustomStringConvertible {
        public var index: LogIndex
        public var command: String

        public var description: String { "\(index):\(command)" }
    }

    private var nodes: [NodeID: Raft] = [:]
    /// What each node has on "disk".
    public private(set) var storages: [NodeID: MemoryRaftStorage] = [:]
    private var nodeOptions: [NodeID: RaftOptions] = [:]
    private var restarts: [NodeID: UInt64] = [:]
    private let seed: UInt64

    /// Each node's state machine: the normal commands applied so far, in log order.
    public private(set) var applied: [NodeID: [AppliedCommand]] = [:]
    /// Every entry each node applied since it last started (no-ops and membership changes too).
    public private(set) var appliedEntries: [NodeID: [Entry]] = [:]
    /// The ReadIndex answers each node handed out, oldest first.
    public private(set) var readStates: [NodeID: [ReadState]] = [:]

    /// Messages sent and not yet delivered (or dropped), in the order they were sent.
    public private(set) var pending: [Message] = []
    /// Every message any node ever sent, in order.
    public private(set) var history: [Message] = []
    /// Every message that reached its destination, in order.
    public private(set) var delivered: [Message] = []
    /// What happened, one line per event.
    public private(set) var transcript: [String] = []

    /// Drops every message for which it returns true (in addition to isolation and cut links).
    public var dropFilter: ((Message) -> Bool)?
    private var isolated: Set<NodeID> = []
    private var cutLinks: Set<Link> = []

    private struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    /// A new cluster whose founding members are `voters`.
    ///
    /// - Parameters:
    ///   - voters: the ids of the founding voters; each starts from
    ///     ``MemoryRaftStorage/init(bootstrap:)``.
    ///   - options: the options of every node.
    ///   - seed: the seed of the per-node election-timeout generators.
    public init(voters: [NodeID], options: RaftOptions = RaftOptions(), seed: UInt64 = 0) {
        self.seed = seed
        let set = Set(voters)
        for id in voters.sorted() {
            addNode(id, storage: MemoryRaftStorage(bootstrap: set).persistentState, options: options)
        }
    }

    /// An empty cluster; add nodes with ``addNode(_:storage:options:)``.
    public init(seed: UInt64 = 0) {
        self.seed = seed
    }

    // MARK: - Nodes

    /// Creates node `id` from `storage` (`PersistentState.empty` for a node that will join a
    /// running cluster).
    public func addNode(_ id: NodeID, storage: PersistentState = .empty, options: RaftOptions = RaftOptions()) {
        precondition(nodes[id] == nil, "node \(id) already exists")
        storages[id] = MemoryRaftStorage(storage)
        nodeOptions[id] = options
        restarts[id] = 0
        readStates[id] = []
        startNode(id)
    }

    /// Rebuilds node `id` from what its storage holds, as after a crash: everything that was not
    /// persisted (volatile state, unsent messages) is lost; the state machine restarts from the
    /// stored snapshot and re-applies committed entries.
    public func restart(_ id: NodeID) {
        precondition(nodes[id] != nil, "no node \(id)")
        restarts[id]! += 1
        startNode(id)
        let hs = storages[id]!.hardState
        log("\(id) restarted with \(hs) log:\(storages[id]!.snapshot.metadata.index + 1)...\(storages[id]!.lastIndex)")
    }

    private func startNode(_ id: NodeID) {
        let state = storages[id]!.persistentState
        let random = SplitMix64(seed: seed &* 1_000_003 &+ id &* 7919 &+ restarts[id]!)
        nodes[id] = Raft(id: id, options: nodeOptions[id]!, storage: state, random: random)
        applied[id] = Self.decode(state.snapshot.data)
        appliedEntries[id] = []
    }

    /// Node ids in ascending order.
    public var ids: [NodeID] { nodes.keys.sorted() }

    /// The node with this id.
    public subscript(_ id: NodeID) -> Raft {
        guard let raft = nodes[id] else { preconditionFailure("no node \(id)") }
        return raft
    }

    /// The leader with the highest term, if any node believes it leads.
    public var leader: NodeID? {
        ids.filter { nodes[$0]!.isLeader }.max { nodes[$0]!.term < nodes[$1]!.term }
    }

    /// Every node that believes it leads, in ascending order.
    public var leaders: [NodeID] { ids.filter { nodes[$0]!.isLeader } }

    /// The commands node `id` applied, in order.
    public func values(_ id: NodeID) -> [String] { applied[id]!.map(\.command) }

    /// The terms of node `id`'s log entries from its first in-memory index to its last.
    public func logTerms(_ id: NodeID) -> [Term] {
        let raft = self[id]
        guard raft.lastIndex >= raft.firstIndex else { return [] }
        return raft.entries(in: raft.firstIndex...raft.lastIndex).map(\.term)
    }

    /// Runs `body` on node `id` in place (for inputs the cluster has no shortcut for).
    @discardableResult
    public func withNode<T>(_ id: NodeID, _ body: (inout Raft) throws -> T) rethrows -> T {
        precondition(nodes[id] != nil, "no node \(id)")
        return try body(&nodes[id]!)
    }

    // MARK: - Inputs

    /// Node `id` starts an election now.
    public func campaign(_ id: NodeID) {
        log("campaign \(id)")
        nodes[id]!.campaign()
    }

    /// Node `id` proposes `command`. Returns the index it will have if it commits.
    @discardableResult
    public func propose(_ id: NodeID, _ command: String) throws(RaftError) -> LogIndex {
        log("propose \(id) \(command)")
        return try nodes[id]!.propose(Array(command.utf8))
    }

    /// Node `id` proposes `commands` as one batch.
    @discardableResult
    public func propose(_ id: NodeID, batch commands: [String]) throws(RaftError) -> ClosedRange<LogIndex> {
        log("propose \(id) \(commands.joined(separator: ","))")
        return try nodes[id]!.propose(batch: commands.map { Array($0.utf8) })
    }

    /// Node `id` proposes a membership change.
    @discardableResult
    public func proposeConfigChange(_ id: NodeID, _ change: ConfigChange) throws(RaftError) -> LogIndex {
        log("propose-conf-change \(id) \(change)")
        return try nodes[id]!.proposeConfigChange(change)
    }

    /// Node `id` (the leader) hands leadership to `target`.
    public func transferLeadership(_ id: NodeID, to target: NodeID) throws(RaftError) {
        log("transfer-leadership \(id) to \(target)")
        try nodes[id]!.transferLeadership(to: target)
    }

    /// Node `id` asks for a linearizable read point tagged `context`.
    public func readIndex(_ id: NodeID, context: UInt64) throws(RaftError) {
        log("read-index \(id) context \(context)")
        try nodes[id]!.readIndex(context: context)
    }

    /// Advances node `id`'s clock by `count` ticks (its messages wait in ``pending``).
    public func tick(_ id: NodeID, _ count: Int = 1) {
        for _ in 0..<count { nodes[id]!.tick() }
    }

    /// Advances every node's clock by one tick at a time, stabilizing after each, `count` times.
    public func elapse(_ count: Int) {
        for _ in 0..<count {
            for id in ids { nodes[id]!.tick() }
            stabilize()
        }
    }

    /// Ticks every node, stabilizing after each round, until some node leads (at most `limit` rounds).
    @discardableResult
    public func elapseUntilLeader(limit: Int = 1000) -> NodeID? {
        for _ in 0..<limit {
            if let l = leader { return l }
            elapse(1)
        }
        return leader
    }

    /// Ticks only the nodes in `ids` (in ascending order), stabilizing after each round, until
    /// `condition` holds (at most `limit` rounds). Returns whether it held.
    @discardableResult
    public func elapse(only ids: [NodeID], limit: Int = 1000, until condition: () -> Bool) -> Bool {
        let order = ids.sorted()
        for _ in 0..<limit {
            if condition() { return true }
            for id in order { nodes[id]!.tick() }
            stabilize()
        }
        return condition()
    }

    /// Node `id` snapshots its state machine up to `index` (at most its applied index) and drops
    /// the log before it, in memory and in its storage.
    public func compact(_ id: NodeID, upTo index: LogIndex) {
        let data = Self.encode(applied[id]!.filter { $0.index <= index })
        guard let snapshot = nodes[id]!.compact(upTo: index, snapshotData: data) else { return }
        storages[id]!.compact(snapshot)
        log("\(id) compacted to \(snapshot.metadata.term)/\(index)")
    }

    // MARK: - The network

    /// Drops every message to or from `id` until ``heal()``.
    public func isolate(_ id: NodeID) {
        isolated.insert(id)
    }

    /// Drops every message between `a` and `b` (both ways) until ``heal()``.
    public func cut(_ a: NodeID, _ b: NodeID) {
        cutLinks.insert(Link(from: a, to: b))
        cutLinks.insert(Link(from: b, to: a))
    }

    /// Drops every message from `from` to `to` (one way) until ``heal()``.
    public func cut(from: NodeID, to: NodeID) {
        cutLinks.insert(Link(from: from, to: to))
    }

    /// Restores every link and removes the drop filter.
    public func heal() {
        isolated = []
        cutLinks = []
        dropFilter = nil
    }

    /// Whether the network would drop `m` now.
    public func isDropped(_ m: Message) -> Bool {
        isolated.contains(m.from) || isolated.contains(m.to)
            || cutLinks.contains(Link(from: m.from, to: m.to))
            || (dropFilter?(m) ?? false)
    }

    /// Puts `m` on the wire as if its sender had sent it.
    public func inject(_ m: Message) {
        pending.append(m)
        log("\(m) (injected)")
    }

    // MARK: - Driving

    /// Performs node `id`'s pending batch of work, if any. Returns whether there was one.
    @discardableResult
    public func handleReady(_ id: NodeID) -> Bool {
        guard nodes[id]!.hasReady else { return false }
        let rd = nodes[id]!.ready()
        if let soft = rd.softState {
            if soft.role == .follower, let l = soft.leader {
                log("\(id) follows \(l) at term \(soft.term)")
            } else {
                log("\(id) became \(soft.role) at term \(soft.term)")
            }
        }
        // 1. Persist.
        storages[id]!.persist(rd)
        // 2. Send.
        for m in rd.messages {
            pending.append(m)
            history.append(m)
            log(m.description)
        }
        // 3. Apply.
        if let snapshot = rd.snapshot {
            applied[id] = Self.decode(snapshot.data)
            log("\(id) installed snapshot \(snapshot.metadata.term)/\(snapshot.metadata.index) \(snapshot.metadata.configuration)")
        }
        if !rd.committedEntries.isEmpty {
            for e in rd.committedEntries {
                appliedEntries[id]!.append(e)
                if e.kind == .normal {
                    applied[id]!.append(AppliedCommand(index: e.index, command: String(decoding: e.data, as: UTF8.self)))
                }
            }
            log("\(id) applied " + rd.committedEntries.map(Self.describe).joined(separator: ", "))
        }
        // 4. Reads.
        for r in rd.readStates {
            readStates[id]!.append(r)
            log("\(id) read context \(r.context) at index \(r.index)")
        }
        // 5. Advance.
        nodes[id]!.advance(rd)
        return true
    }

    /// Handles every node's work, in ascending id order, until none has any.
    public func handleReadies() {
        var busy = true
        while busy {
            busy = false
            for id in ids where handleReady(id) { busy = true }
        }
    }

    /// Delivers (or drops) the pending messages that match `predicate`, in the order they were
    /// sent; the others stay pending. Returns how many were delivered.
    @discardableResult
    public func deliver(where predicate: (Message) -> Bool = { _ in true }) -> Int {
        let batch = pending
        pending = []
        var count = 0
        for m in batch {
            guard predicate(m) else {
                pending.append(m)
                continue
            }
            if isDropped(m) || nodes[m.to] == nil {
                log("dropped \(m)")
                continue
            }
            delivered.append(m)
            nodes[m.to]!.step(m)
            count += 1
        }
        return count
    }

    /// Puts a second copy of every pending message on the wire, right after the first
    /// (a network that duplicates).
    public func duplicatePending() {
        pending = pending.flatMap { [$0, $0] }
        log("duplicated \(pending.count / 2) messages")
    }

    /// Reverses the order of the pending messages (a network that reorders).
    public func reversePending() {
        pending.reverse()
        log("reversed \(pending.count) messages")
    }

    /// Removes the pending messages that match `predicate` without delivering them.
    public func discard(where predicate: (Message) -> Bool) {
        pending.removeAll(where: predicate)
    }

    /// Handles every ready and delivers every message, again and again, until nothing is left to
    /// do. Returns the transcript lines written meanwhile.
    @discardableResult
    public func stabilize() -> String {
        let start = transcript.count
        for _ in 0..<100_000 {
            handleReadies()
            if pending.isEmpty {
                return transcript[start...].joined(separator: "\n")
            }
            deliver()
        }
        preconditionFailure("the cluster did not stabilize")
    }

    /// Lines written to the transcript since line `start`.
    public func transcript(since start: Int) -> String {
        transcript[start...].joined(separator: "\n")
    }

    /// Appends a line to the transcript.
    public func log(_ line: String) {
        transcript.append(line)
    }

    // MARK: - Encoding

    static func describe(_ e: Entry) -> String {
        switch e.kind {
        case .normal: return "\(e.term)/\(e.index) \(String(decoding: e.data, as: UTF8.self))"
        case .noop: return "\(e.term)/\(e.index) noop"
        case .configChange:
            return "\(e.term)/\(e.index) \(ConfigChange(encoded: e.data).map(String.init(describing:)) ?? "bad-conf-change")"
        }
    }

    /// The state machine as snapshot bytes: one `index:command` line per command.
    static func encode(_ commands: [AppliedCommand]) -> [UInt8] {
        Array(commands.map(\.description).joined(separator: "\n").utf8)
    }

    static func decode(_ data: [UInt8]) -> [AppliedCommand] {
        guard !data.isEmpty else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let colon = line.firstIndex(of: ":")!
            return AppliedCommand(index: LogIndex(line[..<colon])!, command: String(line[line.index(after: colon)...]))
        }
    }
}
