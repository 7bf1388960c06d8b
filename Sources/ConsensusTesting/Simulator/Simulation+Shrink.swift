/// Finding the shortest run that still fails, so the trace a developer reads is short.
extension Simulation {
    /// Runs `options`; if it fails, looks for the fewest fault ticks that still fail (binary
    /// search over `steps`, the same seed) and returns that failure, whose trace is the shortest.
    /// The faults of a shorter run are a prefix of the longer one's, because every draw comes from
    /// the same seeded stream in the same order.
    public static func runShrinking(_ options: SimulationOptions) -> SimulationFailure? {
        var sim = Simulation(options)
        let failure: SimulationFailure
        do {
            _ = try sim.run()
            return nil
        } catch {
            failure = error
        }
        var best = failure
        var lo = 0, hi = options.steps
        while lo < hi {
            let mid = (lo + hi) / 2
            var shorter = options
            shorter.steps = mid
            var attempt = Simulation(shorter)
            do {
                _ = try attempt.run()
                lo = mid + 1
            } catch {
                best = error
                hi = mid
            }
        }
        return best
    }
}
