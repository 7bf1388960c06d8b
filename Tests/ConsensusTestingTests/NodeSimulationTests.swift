import Consensus
import ConsensusCore
import ConsensusTesting
import Foundation
import Testing

/// The node simulator: whole members (``NodeStateMachine``) under seeded faults, clients talking
/// to any member. `CONSENSUS_SEED=N` replays one seed of every test here. Nested in
/// `SimulatorSeedTests` so that only one CPU-bound simulator test runs at a time.
extension SimulatorSeedTests {
@Suite("Node simulator", .serialized)
struct NodeSimulationTests {
    static var replaySeed: UInt64? { ProcessInfo.processInfo.environment["CONSENSUS_SEED"].flatMap { UInt64($0) } }

    static func seeds(_ range: Range<UInt64>) -> [UInt64] {
        replaySeed.map { [$0] } ?? Array(range)
    }

    /// Runs one seed on a thread of its own: CPU-bound work competes for the cores, not for
    /// Swift's cooperative threads, which the real-time runtime tests need.
    static func run(_ options: NodeSimulationOptions) async -> (NodeSimulationSummary?, NodeSimulationFailure?) {
        await onOwnThread {
            var simulation = NodeSimulation(options)
            do throws(NodeSimulationFailure) { return (try simulation.run(), nil) } catch { return (nil, error) }
        }
    }

    @Test("raft: clients on any member (followers forward), crashes, partitions, lost writes: safe and linearizable")
    func raftSeeds() async {
        var totals = NodeSimulationSummary()
        for seed in Self.seeds(1..<301) {
            var options = NodeSimulationOptions(seed: seed)
            options.members = seed % 3 == 0 ? 5 : 3
            let (summary, failure) = await Self.run(options)
            if let failure { Issue.record("\(failure)"); return }
            totals.viaFollower += summary!.viaFollower
            totals.completed += summary!.completed
            totals.unknown += summary!.unknown
            totals.crashes += summary!.crashes
        }
        print("node simulator raft: \(totals.completed) answered, \(totals.unknown) unknown, \(totals.viaFollower) via followers, \(totals.crashes) crashes")
        #expect(totals.viaFollower > 0 && totals.completed > 0)
    }

    @Test("simple_majority: accepted only with ceil(quorum × members) votes; after healing every member agrees")
    func majoritySeeds() async {
        var totals = NodeSimulationSummary()
        for seed in Self.seeds(1..<501) {
            var options = NodeSimulationOptions(seed: seed)
            options.mechanism = .simpleMajority
            options.steps = 200
            options.members = [3, 4, 5][Int(seed % 3)]
            options.quorum = [0.51, 0.67, 1.0][Int(seed / 3 % 3)]
            let (summary, failure) = await Self.run(options)
            if let failure { Issue.record("\(failure)"); return }
            totals.accepted += summary!.accepted
            totals.rejected += summary!.rejected
        }
        print("node simulator simple_majority: \(totals.accepted) accepted, \(totals.rejected) refused")
        #expect(totals.accepted > 0 && totals.rejected > 0)
    }

    @Test("Clients stuck on an isolated old leader (check-quorum off) keep reading: ReadIndex never serves them stale values")
    func stuckClients() async {
        var reads = 0
        for seed in Self.seeds(1..<101) {
            var options = NodeSimulationOptions(seed: seed)
            options.weather = .stuckClients
            options.clients = 4
            let (summary, failure) = await Self.run(options)
            if let failure { Issue.record("\(failure)"); return }
            reads += summary!.staleLeaderReads
        }
        #expect(reads > 0)
    }

    @Test("debug") func debugSeed() {
        guard let seed = ProcessInfo.processInfo.environment["DEBUG_SEED"].flatMap({ UInt64($0) }) else { return }
        var options = NodeSimulationOptions(seed: seed)
        options.members = Int(ProcessInfo.processInfo.environment["DEBUG_MEMBERS"] ?? "3")!
        options.traceMessages = ProcessInfo.processInfo.environment["DEBUG_MESSAGES"] != nil
        options.traceLimit = 100_000
        var simulation = NodeSimulation(options) { print($0) }
        do { _ = try simulation.run() } catch { print("FAIL", error.property, error.detail) }
    }

    @Test("Determinism: the same seed replays the same run")
    func determinism() async throws {
        for mechanism in [ConsensusConfiguration.Mechanism.raft, .simpleMajority] {
            var options = NodeSimulationOptions(seed: 42)
            options.mechanism = mechanism
            let (a, _) = await Self.run(options), (b, _) = await Self.run(options)
            #expect(try #require(a).traceDigest == #require(b).traceDigest)
        }
    }
}
}
