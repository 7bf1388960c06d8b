import Consensus
import ConsensusNetwork
import ConsensusTCP
import Synchronization
import Testing

/// The transport under the real node shell: three `ConsensusTrait` members in this process,
/// each with its own `TCPTransport` on loopback, wired as an embedder would wire them.
@Suite("TCP transport: a Raft cluster over loopback", .serialized)
struct TCPClusterEndToEndTests {
    struct Node {
        let name: String
        let trait: ConsensusTrait
        let transport: TCPTransport
    }

    /// Transports first (each on a free port), then the members, founded with every address.
    func startCluster(names: [String], secret: ClusterSecret?) async throws -> [Node] {
        var transports: [String: TCPTransport] = [:]
        var addresses: [String: PeerAddress] = [:]
        let boxes = Dictionary(uniqueKeysWithValues: names.map { ($0, TraitBox()) })
        for name in names {
            var configuration = TCPTransportConfiguration(nodeName: name, clusterID: "e2e", secret: secret)
            configuration.backoff = quickBackoff
            let transport = TCPTransport(configuration: configuration, random: SeededRandom(seed: 3))
            let box = boxes[name]
            addresses[name] = try await transport.start(
                onMessage: { from, message in await box?.trait?.handleMessage(from: from, message) },
                onUnreachable: { peer in await box?.trait?.reportUnreachable(peer) })
            transports[name] = transport
        }
        var nodes: [Node] = []
        for name in names {
            guard let transport = transports[name], let box = boxes[name] else { continue }
            transport.setMembers(addresses)
            var configuration = ConsensusConfiguration.raft(
                timeout: .seconds(20), heartbeatInterval: .milliseconds(50),
                electionTimeout: .milliseconds(300)...(.milliseconds(600)))
            configuration.bootstrap = .newCluster(members: names.compactMap { n in
                addresses[n].map { NodeInfo(id: n, address: "tcp://\($0)") }
            })
            let trait = ConsensusTrait(nodeID: name, configuration: configuration)
            box.trait = trait
            await trait.setTransport(transport)
            nodes.append(Node(name: name, trait: trait, transport: transport))
        }
        for node in nodes { try await node.trait.start() }
        return nodes
    }

    func stop(_ nodes: [Node]) async {
        for node in nodes { await node.trait.stop() }
        for node in nodes { await node.transport.shutdown() }
    }

    /// The member every member agrees leads, once there is one.
    func agreedLeader(_ nodes: [Node]) async -> Node? {
        var leaders: Set<String> = []
        for node in nodes { leaders.insert(await node.trait.leader?.id ?? "") }
        guard leaders.count == 1, let name = leaders.first else { return nil }
        for node in nodes where node.name == name { if await node.trait.isLeader { return node } }
        return nil
    }

    @Test("Three members elect a leader over TCP and commit a put that every member applies", arguments: [false, true])
    func electAndCommit(withSecret: Bool) async throws {
        let nodes = try await startCluster(
            names: ["n1", "n2", "n3"], secret: withSecret ? ClusterSecret("e2e-secret") : nil)
        do {
            var leader: Node?
            let elected = await eventually(timeout: .seconds(30)) {
                leader = await agreedLeader(nodes)
                return leader != nil
            }
            #expect(elected, "no leader that every member agrees on within 30 s")
            let accepted = try await #require(leader).trait.propose("greeting", "hello over tcp")
            #expect(accepted)
            for node in nodes {
                let applied = await eventually(timeout: .seconds(30)) {
                    (try? await node.trait.get("greeting", as: String.self)) == "hello over tcp"
                }
                #expect(applied, "\(node.name) did not apply the put")
            }
        } catch {
            await stop(nodes)
            throw error
        }
        await stop(nodes)
    }
}

/// Lets a transport's callbacks reach a member created after the transport started.
final class TraitBox: Sendable {
    private let value = Mutex<ConsensusTrait?>(nil)

    var trait: ConsensusTrait? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
