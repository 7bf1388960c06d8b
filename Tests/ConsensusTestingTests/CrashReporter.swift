import Foundation

/// If a core `precondition` fails while the simulator runs, the process dies before the test can
/// print anything. This handler prints the seeds that were running, so the crash can be replayed
/// with `consensus sim --seed N` (which also shows the backtrace).
enum CrashReporter {
    private static let slots = 16
    nonisolated(unsafe) private static let seeds = UnsafeMutablePointer<(UInt64, String)>.allocate(capacity: slots)
    nonisolated(unsafe) private static var installed = false
    private static let lock = NSLock()

    static func running(seed: UInt64, replay: String, slot: Int) {
        precondition((0..<slots).contains(slot), "crash reporter slot \(slot) is out of 0..<\(slots)")
        install()
        seeds[slot] = (seed, replay)
    }

    static func finished(slot: Int) { seeds[slot] = (0, "") }

    private static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        seeds.initialize(repeating: (0, ""), count: slots)
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGABRT] {
            signal(sig) { sig in
                for i in 0..<CrashReporter.slots where CrashReporter.seeds[i].0 != 0 {
                    let (seed, replay) = CrashReporter.seeds[i]
                    let line = "\nsimulator crashed while running seed \(seed): reproduce with `\(replay)`\n"
                    _ = line.withCString { write(2, $0, strlen($0)) }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }
}
