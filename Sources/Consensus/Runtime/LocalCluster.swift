import ConsensusCore
import ConsensusNetwork
import ConsensusStorage
import Synchronization

/// Several ``ConsensusTrait`` members in one process, joined by an ``InMemoryNetwork``: for
/// tests, demos, the REPL, and anyone embedding a whole cluster in one program.
///
/// ```swift
/// let cluster = LocalCluster(size: 3)
/// try await cluster.start()
/// let leader = try await cluster.waitForLeader()
/// try await leader.propose("player_score", 100)
/// await cluster.isolate("node-1")      // faults: isolate, partition, heal, kill, restart
/// ```
public actor LocalCluster {
    public nonisolated let network: InMemoryNetwork
    public nonisolated let configuration: ConsensusConfiguration
    /// The clock every member, the network's delays and the waits below run on.
    public nonisolated let clock: RuntimeClock
    private let memberClock: any Clock<Duration>
    private var members: [String: ConsensusTrait] = [:]
    private var order: [String] = []
    /// Member names by numeric id, shared with every endpoint's handler, so that a member added
    /// later is named correctly by everyone without re-registering them.
    private let directory = NameDirectory()

    /// A cluster of `size` members named `node-1` ... `node-N`.
    public init(size: Int = 3, configuration: ConsensusConfiguration = .raft(), seed: UInt64 = 1,
                clock: any Clock<Duration> = ContinuousClock()) {
        self.init(names: (1...max(1, size)).map { "node-\($0)" }, configuration: configuration, seed: seed, clock: clock)
    }

    /// A cluster of members with these names; every one founds the cluster with all of them as voters.
    /// `clock` drives every member (default: the monotonic clock; tests pass a virtual one).
    public init(names: [String], configuration: ConsensusConfiguration = .raft(), seed: UInt64 = 1,
                clock: any Clock<Duration> = ContinuousClock()) {
        self.clock = RuntimeClock(clock)
        self.memberClock = clock
        self.network = InMemoryNetwork(seed: seed, clock: self.clock)
        var config = configuration
        config.bootstrap = .newCluster(members: names.map { NodeInfo(id: $0, address: "memory://\($0)") })
        self.configuration = config
        for (i, name) in names.enumerated() {
            var c = config
            c.seed = configuration.seed.map { $0 &+ UInt64(i) } ?? (seed &* 1_000_003 &+ UInt64(i))
            members[name] = ConsensusTrait(nodeID: name, configuration: c, storage: MemoryStorage(), clock: memberClock)
            order.append(name)
            directory.add(name)
        }
    }

    /// The members' names, in creation order.
    public var names: [String] { order }

    /// The member called `name`.
    public func node(_ name: String) -> ConsensusTrait? { members[name] }

    /// All members, in creation order.
    public var nodes: [ConsensusTrait] { order.compactMap { members[$0] } }

    /// Connects and starts every member.
    public func start() async throws(ConsensusError) {
        for name in order { try await startMember(name) }
    }

    /// Stops every member.
    public func stop() async {
        for name in order { await members[name]?.stop() }
    }

    private func startMember(_ name: String) async throws(ConsensusError) {
        guard let node = members[name] else { return }
        let network = self.network
        let id = NodeInfo.numericID(name)
        await node.setTransport(network)
        network.register(id) { [weak node, directory] from, message in
            let sender = directory.name(of: from)
            await node?.handleMessage(from: sender, message)
        }
        try await node.start()
    }

    /// Crashes a member: it stops and its network endpoint goes away. Its storage survives.
    public func kill(_ name: String) async {
        network.unregister(NodeInfo.numericID(name))
        await members[name]?.stop()
    }

    /// Starts a killed member again from its storage.
    public func restart(_ name: String) async throws(ConsensusError) {
        try await startMember(name)
    }

    /// Adds a new member: it starts empty (`.join`), then the leader adds it through consensus.
    public func add(_ name: String, metadata: [String: String] = [:]) async throws(ConsensusError) {
        guard members[name] == nil else { throw .membership("\(name) already exists") }
        var c = configuration
        c.bootstrap = .join
        c.seed = configuration.seed.map { $0 &+ UInt64(order.count) }
        members[name] = ConsensusTrait(nodeID: name, configuration: c, storage: MemoryStorage(), clock: memberClock)
        order.append(name)
        directory.add(name)
        try await startMember(name)
        let leader = try await waitForLeader()
        try await leader.addNode(NodeInfo(id: name, address: "memory://\(name)", metadata: metadata))
    }

    /// Removes a member through consensus (asked of the leader).
    public func remove(_ name: String) async throws(ConsensusError) {
        let leader = try await waitForLeader()
        try await leader.removeNode(name)
    }

    // MARK: - Faults

    /// Cuts every link between the groups.
    public func partition(_ groups: [[String]]) {
        network.partition(groups.map { Set($0.map(NodeInfo.numericID)) })
    }

    /// Cuts every link of one member.
    public func isolate(_ name: String) {
        network.isolate(NodeInfo.numericID(name))
    }

    /// Restores every link.
    public func heal() {
        network.heal()
    }

    // MARK: - Waiting

    /// The member that leads in the highest term, if any.
    public func currentLeader() async -> ConsensusTrait? {
        var best: (ConsensusTrait, UInt64)?
        for node in nodes {
            let state = await node.debugState
            if state.running && state.role == .leader && state.currentTerm > (best?.1 ?? 0) { best = (node, state.currentTerm) }
        }
        return best?.0
    }

    /// Polls until some member leads and a majority of members agree on it.
    public func waitForLeader(timeout: Duration = .seconds(15)) async throws(ConsensusError) -> ConsensusTrait {
        let deadline = clock.now() + timeout
        while clock.now() < deadline {
            if let leader = await currentLeader() {
                var agree = 0
                for node in nodes where await node.leader?.id == leader.nodeID { agree += 1 }
                if agree * 2 > members.count { return leader }
            }
            try? await clock.sleep(for: configuration.tickInterval)
        }
        throw .timedOut
    }

    /// Polls `condition` every tick until it holds or `timeout` passes. Returns whether it held.
    public func waitUntil(timeout: Duration = .seconds(15), _ condition: @Sendable () async -> Bool) async -> Bool {
        let deadline = clock.now() + timeout
        while clock.now() < deadline {
            if await condition() { return true }
            try? await clock.sleep(for: configuration.tickInterval)
        }
        return await condition()
    }
}

/// Member names by numeric id, readable from any endpoint's handler.
private final class NameDirectory: Sendable {
    private let names = Mutex<[NodeID: String]>([:])

    func add(_ name: String) { names.withLock { $0[NodeInfo.numericID(name)] = name } }

    func name(of id: NodeID) -> String { names.withLock { $0[id] } ?? String(id, radix: 16) }
}
