import Foundation

/// Runs CPU-bound synchronous work (a simulator seed, a checker search) on a thread of its own
/// and waits for it. The work then competes with everything else for the cores, as the OS
/// schedules threads, instead of holding one of Swift's cooperative threads (two on a 2-core
/// machine) that the real-time runtime tests need for their actors and clocks.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
