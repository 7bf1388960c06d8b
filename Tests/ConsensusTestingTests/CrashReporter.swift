import Foundation

/// If a core `precondition` fails while the simulator runs, the process dies before the test can
/// print anything. This handler prints the seeds that were running, so the crash can be replayed
/// with `consensus sim --seed N` (which also shows the backtrace).
enum CrashReporter {
    private static let slots = 8
    nonisolated(unsafe) private static let seeds = UnsafeMutablePointer<(UInt64, Int, Int)>.allocate(capacity: slots)
    nonisolated(unsafe) private static var installed = false
    private static let lock = NSLock()

    static func running(seed: UInt64, nodes: Int, steps: Int, slot: Int) {
        install()
        seeds[slot] = (seed, nodes, steps)
    }

    static func finished(slot: Int) { seeds[slot] = (0, 0, 0) }

    private static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        seeds.initialize(repeating: (0, 0, 0), count: slots)
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGABRT] {
            signal(sig) { sig in
                for i in 0..<CrashReporter.slots where CrashReporter.seeds[i].0 != 0 {
                    let (seed, nodes, steps) = CrashReporter.seeds[i]
                    let line = "\nsimulator crashed while running seed \(seed): reproduce with `consensus sim --seed \(seed) --nodes \(nodes) --steps \(steps)`\n"
                    _ = line.withCString { write(2, $0, strlen($0)) }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }
}
