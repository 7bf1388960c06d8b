import ArgumentParser
import Consensus
import ConsensusTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `consensus sim`: run the deterministic simulator from the command line.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run seeded simulations of a Raft cluster under faults and check its safety and liveness.",
        discussion: """
            With one seed, prints a readable trace: who leads in which term, what commits, which \
            faults strike. With --seeds N, runs N consecutive seeds and prints one line each. \
            The same seed always replays the same run.
            """
    )

    @Option(help: "The seed (the first one with --seeds).")
    var seed: UInt64 = 1

    @Option(help: "Number of seeds to run, starting at --seed.")
    var seeds: Int = 1

    @Option(help: "Cluster size at the start (voters).")
    var nodes: Int = 3

    @Option(help: "Ticks of faults before the world calms down and liveness is checked.")
    var steps: Int = 300

    @Option(help: "Simulated clients sending put/get/CAS/counter/lock operations; their history is checked for linearizability.")
    var clients: Int = 0

    @Option(help: ArgumentHelp("Clients run a recipe's step machine instead of random operations (needs --clients).",
                               valueName: RecipeWorkload.allCases.map(\.rawValue).joined(separator: "|")))
    var recipes: RecipeWorkload?

    @Option(help: ArgumentHelp("Where leaders take the time they stamp on commands: leader-ticks (ours) or wall-clock (the first runtime's, broken by clock steps).",
                               valueName: StoreClockSource.allCases.map(\.rawValue).joined(separator: "|")))
    var storeClock: StoreClockSource = .leaderTicks

    @Option(help: "States the linearizability checker may explore per key before giving up (a failure).")
    var checkerBudget: Int = 500_000

    @Flag(help: "Nodes keep their log in the real FileStorage on a simulated file system.")
    var fileStorage = false

    @Flag(help: "Also trace every delivered message (verbose).")
    var messages = false

    @Flag(help: "Print only the summary, not the trace.")
    var quiet = false

    @Flag(help: "Simulate whole members (NodeStateMachine: forwarding, re-sends, reads, simple_majority) instead of bare Raft cores; clients talk to any member.")
    var node = false

    @Option(help: ArgumentHelp("With --node: the mechanism.", valueName: "raft|simple_majority"))
    var mechanism: ConsensusConfiguration.Mechanism = .raft

    @Option(help: "With --node and simple_majority: the quorum fraction, in (0, 1].")
    var quorum: Double = 0.51

    @Option(help: ArgumentHelp("With --node: the weather.", valueName: NodeSimulationOptions.Weather.allCases.map(\.rawValue).joined(separator: "|")))
    var weather: NodeSimulationOptions.Weather = .mixed

    func validate() throws {
        guard (1...9).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 9 (got \(nodes))") }
        guard steps >= 0 else { throw ValidationError("--steps must not be negative") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard (0...16).contains(clients) else { throw ValidationError("--clients must be between 0 and 16 (got \(clients))") }
        if recipes != nil && clients == 0 { throw ValidationError("--recipes needs simulated clients: add --clients N (for example --clients 3)") }
        if !node && (mechanism != .raft || weather != .mixed) { throw ValidationError("--mechanism and --weather are for --node runs: add --node") }
        if node && (recipes != nil || fileStorage || storeClock != .leaderTicks) {
            throw ValidationError("--recipes, --file-storage and --store-clock are for core runs: drop --node")
        }
        guard quorum > 0 && quorum <= 1 else { throw ValidationError("--quorum must be in (0, 1] (got \(quorum))") }
    }

    func run() throws {
        if node { return try runNodes() }
        var failures = 0
        if seeds > 1 {
            let options = runOptions(seed: seed)
            print("replay one seed with: consensus sim --seed N --nodes \(nodes) --steps \(steps)\(options.replayOptions)")
        }
        for s in seed..<(seed + UInt64(seeds)) {
            let verbose = seeds == 1 && !quiet
            var printer: (@Sendable (String) -> Void)?
            if verbose { printer = { @Sendable line in print(line) } }
            var sim = Simulation(runOptions(seed: s), onTrace: printer)
            // The seed is on screen before the run starts: if the run traps (a precondition in
            // the code under test), the sweep dies, but its output names the seed to replay.
            if !verbose {
                print("seed \(s): ", terminator: "")
                fflush(nil)  // every output stream, stdout among them
            }
            do throws(SimulationFailure) {
                let summary = try sim.run()
                print((verbose ? "seed \(s): " : "") + "ok  ticks=\(summary.ticks) committed=\(summary.committed) elections=\(summary.elections) "
                    + "crashes=\(summary.crashes) partitions=\(summary.partitions) membership=\(summary.membershipChanges) "
                    + "transfers=\(summary.transfers) messages=\(summary.messagesSent) dropped=\(summary.messagesDropped) "
                    + (clients > 0 ? "client-ops=\(summary.clientOperations) answered=\(summary.clientCompleted) checker-states=\(summary.checkerStates) " : "")
                    + (recipes != nil ? "\(summary.recipes) " : "")
                    + "trace=\(String(summary.traceDigest, radix: 16))")
            } catch {
                failures += 1
                print((verbose ? "seed \(s): " : "") + "FAILED")
                print(error.description)
            }
        }
        if seeds > 1 { print("\(seeds - failures) passed, \(failures) failed") }
        if failures > 0 { throw ExitCode.failure }
    }
}

extension SimCommand {
    /// The simulation options for `seed` from the command line.
    func runOptions(seed: UInt64) -> SimulationOptions {
        var options = SimulationOptions(seed: seed, nodes: nodes, steps: steps)
        options.traceMessages = messages
        options.clients = clients
        options.checkerBudget = checkerBudget
        options.fileStorage = fileStorage
        options.recipes = recipes
        options.storeClock = storeClock
        return options
    }
}

extension RecipeWorkload: ExpressibleByArgument {}

extension StoreClockSource: ExpressibleByArgument {}

extension ConsensusConfiguration.Mechanism: ExpressibleByArgument {}

extension NodeSimulationOptions.Weather: ExpressibleByArgument {}
