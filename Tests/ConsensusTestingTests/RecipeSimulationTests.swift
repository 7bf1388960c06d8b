import ConsensusCore
import ConsensusTesting
import Foundation
import Testing

/// The recipes' own step machines (``UpdateLoop``, ``OptimisticView``, ``LockAcquisition``,
/// ``LockLease``, ``AtomicCounter``'s operations, ``Fence``) run by simulated clients against a
/// simulated cluster under the seed's faults: message loss, delay, duplication, partitions,
/// crashes, leader churn, wall clocks stepping forward and back, and clients paused while they
/// hold a lock. After each run the client histories must be linearizable, and each recipe's own
/// promise is checked (see `Simulation.checkRecipes`).
///
/// Next to ours, the lesson's flawed versions run the same seeds and are caught: its
/// compare-and-swap (read, compare on the client, unconditional put) loses updates; its lock
/// (unconditional put of `{holder, expires}`) lets two holders in; and a store clock taken from
/// the leader's wall clock, as our first runtime did, lets a clock step hand the lock to a second
/// holder while the first one's TTL is still running.
///
/// `CONSENSUS_SEED=N swift test --filter RecipeSimulationTests` replays seed N with its trace.
///
/// Nested in ``SimulatorSeedTests`` to share its serialization: only one CPU-bound simulator
/// test runs at a time, so the real-time runtime tests keep a core.
extension SimulatorSeedTests {
    @Suite("Recipes in the simulator", .serialized)
    struct RecipeSimulationTests {
        /// Runs `count` seeds of `workload` (fewer or one with CONSENSUS_SEEDS / CONSENSUS_SEED);
        /// records up to three failures and returns the recipe statistics of the passing runs, summed.
        func runSeeds(_ first: UInt64, count: Int, _ workload: RecipeWorkload, nodes: Int = 3, clients: Int = 3,
                      slot: Int, filter: String = #function, tune: ((inout SimulationOptions) -> Void)? = nil) async -> RecipeStatistics {
            let env = ProcessInfo.processInfo.environment
            let seeds: [UInt64]
            if let one = env["CONSENSUS_SEED"].flatMap(UInt64.init) {
                seeds = [one]
            } else {
                seeds = (0..<UInt64(env["CONSENSUS_SEEDS"].flatMap(Int.init) ?? count)).map { first + $0 }
            }
            let name = String(filter.prefix { $0 != "(" })
            var total = RecipeStatistics()
            var failures = 0
            for seed in seeds {
                await Task.yield()
                CrashReporter.running(seed: seed, replay: "CONSENSUS_SEED=\(seed) swift test --filter RecipeSimulationTests/\(name)", slot: slot)
                let options = Self.options(seed, workload, nodes: nodes, clients: clients, tune: tune)
                if seeds.count == 1 {
                    var sim = Simulation(options, onTrace: { print($0) })
                    do { print(try sim.run().recipes) } catch { Issue.record("\(error)") }
                    continue
                }
                let outcome: Result<RecipeStatistics, SimulationFailure> = await onOwnThread {
                    var sim = Simulation(options)
                    do throws(SimulationFailure) { return .success(try sim.run().recipes) } catch { return .failure(error) }
                }
                switch outcome {
                case .success(let stats):
                    total.add(stats)
                case .failure(let error):
                    let shrunk = await onOwnThread { Simulation.runShrinking(options).map { "\($0)" } ?? "\(error)" }
                    Issue.record("\(shrunk)\nreplay: CONSENSUS_SEED=\(seed) swift test --filter RecipeSimulationTests/\(name)")
                    failures += 1
                    if failures >= 3 { break }
                }
            }
            CrashReporter.finished(slot: slot)
            return total
        }

        static func options(_ seed: UInt64, _ workload: RecipeWorkload, nodes: Int = 3, clients: Int = 3,
                            tune: ((inout SimulationOptions) -> Void)? = nil) -> SimulationOptions {
            var options = SimulationOptions(seed: seed, nodes: nodes, steps: 300)
            options.clients = clients
            options.recipes = workload
            tune?(&options)
            return options
        }

        /// The first of `count` seeds from `first` whose run fails, and why.
        static func firstFailure(_ first: UInt64, count: Int, _ workload: RecipeWorkload,
                                 tune: ((inout SimulationOptions) -> Void)? = nil) async -> SimulationFailure? {
            for seed in first..<(first + UInt64(count)) {
                await Task.yield()
                let options = options(seed, workload, tune: tune)
                let failure: SimulationFailure? = await onOwnThread {
                    var sim = Simulation(options)
                    do throws(SimulationFailure) { _ = try sim.run(); return nil } catch { return error }
                }
                if let failure { return failure }
            }
            return nil
        }

        // MARK: - Ours, under faults

        @Test("Compare-and-swap update loops (300 seeds): swap histories are linearizable and every acknowledged increment counts exactly once")
        func compareAndSwapLoops() async {
            let stats = await runSeeds(7_000_000, count: 300, .casUpdates, slot: 10)
            guard ProcessInfo.processInfo.environment["CONSENSUS_SEED"] == nil else { return }
            // The runs did contend: swaps were lost and retried, and some outcomes were unknown.
            #expect(stats.swapsWon > 1000)
            #expect(stats.swapsLost > 100)
            #expect(stats.unknownOutcomes > 10)
        }

        @Test("Optimistic updates (300 seeds): swap histories are linearizable, conflicts roll back, and every view ends on the agreed value")
        func optimisticUpdates() async {
            let stats = await runSeeds(7_100_000, count: 300, .optimistic, slot: 11)
            guard ProcessInfo.processInfo.environment["CONSENSUS_SEED"] == nil else { return }
            #expect(stats.kept > 500)
            #expect(stats.rollbacks > 100)
        }

        @Test("Locks (300 seeds, clock steps, paused holders): never two believing holders, tokens increase, stale writes refused, late grants unused")
        func locks() async {
            let stats = await runSeeds(7_200_000, count: 300, .locks, slot: 12) { options in
                var rng = SplitMix64(seed: options.seed ^ 0x10C4)
                var faults = FaultProfile.mixed(&rng)
                faults.clockJump = 0.05
                faults.clientPause = 0.1
                options.faults = faults
            }
            guard ProcessInfo.processInfo.environment["CONSENSUS_SEED"] == nil else { return }
            // Every scenario the issue names happened, many times over.
            #expect(stats.grants > 500)
            #expect(stats.renewals > 100)
            #expect(stats.pauses > 100)
            #expect(stats.staleWrites > 10, "holders woke from pauses past their lease and wrote")
            #expect(stats.staleWritesRefused > 5, "the fence refused stale tokens after a newer holder wrote")
            #expect(stats.lateGrants > 0, "grants heard after the requester's own TTL were released unused")
        }

        @Test("Atomic counters (300 seeds): final values are the acknowledged changes plus a subset of the unknown ones; batches are all or nothing")
        func counters() async {
            let stats = await runSeeds(7_300_000, count: 300, .counters, slot: 13)
            guard ProcessInfo.processInfo.environment["CONSENSUS_SEED"] == nil else { return }
            #expect(stats.counterChanges > 1000)
            #expect(stats.unknownOutcomes > 10)
        }

        // MARK: - The lesson's flawed versions, caught; ours pass the same seeds

        @Test("The lesson's compare-and-swap (get, compare on the client, put) loses updates: caught within 100 seeds")
        func lessonRacyCompareAndSwapIsCaught() async throws {
            let failure = try #require(await Self.firstFailure(7_400_000, count: 100, .racyCAS))
            #expect(["linearizability", "counter exactness"].contains(failure.property), "\(failure)")
            // Ours, on the very same seed and faults.
            var ours = Simulation(Self.options(failure.seed, .casUpdates))
            #expect(throws: Never.self) { _ = try ours.run() }
        }

        @Test("The lesson's lock (unconditional put of holder and expiry) gives two holders: caught within 100 seeds")
        func lessonUnconditionalLockIsCaught() async throws {
            let failure = try #require(await Self.firstFailure(7_500_000, count: 100, .unconditionalLock))
            #expect(failure.property == "mutual exclusion", "\(failure)")
            var ours = Simulation(Self.options(failure.seed, .locks))
            #expect(throws: Never.self) { _ = try ours.run() }
        }

        @Test("A store clock read from the leader's wall clock lets a clock step hand the lock to a second holder early: caught; leader ticks pass the same seeds")
        func wallClockStoreTimeIsCaught() async throws {
            let steps: (inout SimulationOptions) -> Void = { options in
                var faults = FaultProfile()
                faults.clockJump = 0.05
                faults.crash = 0.005
                options.faults = faults
            }
            let failure = try #require(await Self.firstFailure(7_600_000, count: 100, .locks) { options in
                steps(&options)
                options.storeClock = .wallClock
            })
            #expect(["mutual exclusion", "linearizability"].contains(failure.property), "\(failure)")
            var ours = Simulation(Self.options(failure.seed, .locks, tune: steps))
            #expect(throws: Never.self) { _ = try ours.run() }
        }
    }
}

extension RecipeStatistics {
    /// Adds another run's counts.
    mutating func add(_ other: RecipeStatistics) {
        swapsWon += other.swapsWon
        swapsLost += other.swapsLost
        updatesFinished += other.updatesFinished
        rollbacks += other.rollbacks
        kept += other.kept
        grants += other.grants
        lateGrants += other.lateGrants
        renewals += other.renewals
        renewalsRefused += other.renewalsRefused
        pauses += other.pauses
        staleWrites += other.staleWrites
        staleWritesRefused += other.staleWritesRefused
        fencedWrites += other.fencedWrites
        counterChanges += other.counterChanges
        unknownOutcomes += other.unknownOutcomes
        resolvedUnknowns += other.resolvedUnknowns
        discardedUnknowns += other.discardedUnknowns
    }
}
