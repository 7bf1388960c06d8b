import ConsensusCore
import ConsensusTesting
import Foundation
import Testing

/// Many seeded runs of the simulator: election safety, log matching, leader completeness, state
/// machine safety after every tick, liveness once the faults stop (Raft paper, Figure 3 and §5).
///
/// `CONSENSUS_SEED=N swift test --filter SimulatorSeedTests` replays seed N in every test below
/// and prints its trace; `CONSENSUS_SEEDS=K` runs K seeds per test instead of the default.
/// The runs are CPU-bound: one test at a time, each seed on a thread of its own
/// (`onOwnThread`), so that they never hold Swift's cooperative threads and starve the
/// real-time runtime tests.
@Suite("Simulator seeds", .serialized)
struct SimulatorSeedTests {
    /// Runs the seeds of one test; records at most three failures (each shrunk to its shortest
    /// run) and stops.
    func runSeeds(_ first: UInt64, count: Int, nodes: Int, steps: Int = 300, slot: Int, filter: String = #function,
                  profile: ((inout SplitMix64) -> FaultProfile)? = nil,
                  tune: ((inout SimulationOptions) -> Void)? = nil) async {
        let env = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let one = env["CONSENSUS_SEED"].flatMap(UInt64.init) {
            seeds = [one]
        } else {
            let n = env["CONSENSUS_SEEDS"].flatMap(Int.init) ?? count
            seeds = (0..<UInt64(n)).map { first + $0 }
        }
        var failures = 0
        for seed in seeds {
            await Task.yield()
            let name = String(filter.prefix { $0 != "(" })
            CrashReporter.running(seed: seed, replay: "CONSENSUS_SEED=\(seed) swift test --filter SimulatorSeedTests/\(name)", slot: slot)
            var options = SimulationOptions(seed: seed, nodes: nodes, steps: steps)
            tune?(&options)
            if let profile {
                var rng = SplitMix64(seed: seed ^ 0xFA17)
                options.faults = profile(&rng)
            }
            if seeds.count == 1 {
                var sim = Simulation(options, onTrace: { print($0) })
                do { _ = try sim.run() } catch { Issue.record("\(error)") }
                continue
            }
            let run = options
            if let failure = await onOwnThread({ Simulation.runShrinking(run) }) {
                Issue.record("\(failure)\nreplay this test's run: CONSENSUS_SEED=\(seed) swift test --filter SimulatorSeedTests/\(name)")
                failures += 1
                if failures >= 3 { break }
            }
        }
        CrashReporter.finished(slot: slot)
    }

    @Test("800 seeds, 3 nodes, mixed faults (drop, duplicate, delay, partitions, crashes, membership, transfers)")
    func threeNodes() async {
        await runSeeds(1, count: 800, nodes: 3, steps: 400, slot: 0)
    }

    @Test("500 seeds, 5 nodes, mixed faults")
    func fiveNodes() async {
        await runSeeds(100_000, count: 500, nodes: 5, steps: 400, slot: 1)
    }

    @Test("200 seeds, 5 nodes, membership changes and leadership transfers under load")
    func membershipUnderLoad() async {
        await runSeeds(200_000, count: 200, nodes: 5, steps: 400, slot: 2) { rng in
            var p = FaultProfile.mixed(&rng)
            p.membershipChange = 0.05
            p.leadershipTransfer = 0.03
            p.propose = 0.5
            return p
        }
    }

    @Test("200 seeds, 3 nodes, partitions and crashes only (no message loss), small snapshots")
    func partitionsAndCrashes() async {
        await runSeeds(300_000, count: 200, nodes: 3, steps: 400, slot: 3) { rng in
            var p = FaultProfile()
            p.messageDrop = 0
            p.messageDuplicate = 0
            p.partition = rng.pick([0.02, 0.05])
            p.heal = 0.03
            p.crash = 0.01
            p.crashMidReady = 0.005
            p.snapshotEvery = 5
            return p
        }
    }

    /// Figure 8 needs a leader to replicate old-term entries to a majority and then fail before
    /// its own no-op gets there. One entry per message and frequent leader crashes make that
    /// common enough that a commit rule counting old-term replicas is caught here.
    @Test("300 seeds, 5 nodes, leader churn with one entry per message (Figure 8 hunting)")
    func leaderChurn() async {
        let oneEntryPerMessage: (inout SimulationOptions) -> Void = { options in
            options.varyFlowControl = false
            options.raft.maxBytesPerMessage = 1
            options.raft.maxInflightMessages = 4
        }
        await runSeeds(400_000, count: 300, nodes: 5, steps: 400, slot: 4, profile: { rng in
            var p = FaultProfile()
            p.leaderCrash = rng.pick([0.02, 0.05])
            p.crash = 0.01
            p.messageDrop = rng.pick([0, 0.05])
            p.maxDelayTicks = rng.pick([1, 3])
            p.partition = 0.01
            p.propose = 0.5
            p.snapshotEvery = 1000
            return p
        }, tune: oneEntryPerMessage)
    }

    /// Issue 4: clients issue put/get/delete/CAS/counter/lock operations through the runtime's
    /// state machine under every fault; each seed's history must be linearizable.
    @Test("300 seeds, 3 nodes, clients under mixed faults: histories are linearizable")
    func clientHistoriesThreeNodes() async {
        await runSeeds(500_000, count: 300, nodes: 3, steps: 300, slot: 5, tune: { $0.clients = 3 })
    }

    @Test("200 seeds, 5 nodes, clients under mixed faults: histories are linearizable")
    func clientHistoriesFiveNodes() async {
        await runSeeds(600_000, count: 200, nodes: 5, steps: 300, slot: 6, tune: { $0.clients = 4 })
    }

    /// Mixed faults plus power cuts in the middle of a batch and damaged disks (no membership
    /// changes: lost disks and a shrinking voter set together could leave no live quorum).
    static func diskFaultProfile(_ rng: inout SplitMix64) -> FaultProfile {
        var p = FaultProfile.mixed(&rng)
        p.membershipChange = 0
        p.tornWrite = rng.pick([0.005, 0.02])
        p.diskCorruption = rng.pick([0, 0.003])
        return p
    }

    /// Issue 5: power cuts in the middle of a batch (lost unsynced writes, torn last write),
    /// bit flips and misdirected writes. Damaged nodes refuse to start; the rest keep every
    /// checker green, client histories included.
    @Test("200 seeds, 5 nodes, disk faults (torn and lost writes, bit flips, misdirected writes) with clients")
    func diskFaults() async {
        await runSeeds(700_000, count: 200, nodes: 5, steps: 300, slot: 7, profile: Self.diskFaultProfile, tune: { $0.clients = 3 })
    }

    /// Issue 5 with the real WAL: every node's log is a `FileStorage` on a simulated file system,
    /// so its recovery and compaction meet power cuts (unsynced writes lost or torn), bit flips and
    /// misdirected writes, under all the other faults and with clients checked for
    /// linearizability.
    @Test("200 seeds, 5 nodes, FileStorage on simulated file systems, disk faults and clients")
    func fileStorageDiskFaults() async {
        await runSeeds(800_000, count: 200, nodes: 5, steps: 300, slot: 0, profile: Self.diskFaultProfile, tune: { options in
            options.clients = 3
            options.fileStorage = true
        })
    }
}
