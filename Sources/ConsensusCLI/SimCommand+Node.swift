import ArgumentParser
import ConsensusTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `consensus sim --node`: whole members under the simulator (see ``NodeSimulation``).
extension SimCommand {
    func runNodes() throws {
        var failures = 0
        for s in seed..<(seed + UInt64(seeds)) {
            var options = NodeSimulationOptions(seed: s)
            options.mechanism = mechanism
            options.members = nodes
            options.clients = clients == 0 ? 3 : clients
            options.steps = steps
            options.weather = weather
            options.quorum = quorum
            options.checkerBudget = checkerBudget
            options.traceMessages = messages
            let verbose = seeds == 1 && !quiet
            var simulation = NodeSimulation(options, onTrace: verbose ? { @Sendable line in print(line) } : nil)
            if seeds > 1 && s == seed { print("replay one seed with: \(simulation.replayLine)") }
            // The seed is on screen before the run: a trap in the code under test still names it.
            print("seed \(s): ", terminator: "")
            fflush(nil)
            do throws(NodeSimulationFailure) {
                let r = try simulation.run()
                print("ok  ticks=\(r.ticks) elections=\(r.elections) crashes=\(r.crashes) partitions=\(r.partitions) ops=\(r.operations) "
                    + "answered=\(r.completed) refused=\(r.refused) unknown=\(r.unknown) via-follower=\(r.viaFollower) "
                    + "stale-leader-reads=\(r.staleLeaderReads) accepted=\(r.accepted) rejected=\(r.rejected) trace=\(String(r.traceDigest, radix: 16))")
            } catch {
                failures += 1
                print("FAILED")
                print(error.description)
            }
        }
        if seeds > 1 { print("\(seeds - failures) passed, \(failures) failed") }
        if failures > 0 { throw ExitCode.failure }
    }
}
