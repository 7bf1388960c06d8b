/// Where the runtime's own tasks run (ticks, wake-ups, deliveries, storage reports).
///
/// Unstructured tasks do not inherit a task executor preference, so every task the runtime
/// starts goes through ``spawn(_:)``, which gives it ``preferred``. By default that is `nil`:
/// Swift's global concurrent executor. A test that runs a cluster in virtual time binds its
/// single-threaded executor here (see `withVirtualTime` in ConsensusTesting), so that the whole
/// cluster runs on one thread and the executor knows when nothing is left to do but let time pass.
public enum RuntimeExecutor {
    /// The executor the runtime's tasks prefer; `nil` for the global concurrent executor.
    @TaskLocal public static var preferred: (any TaskExecutor)?

    /// Starts an unstructured task that prefers ``preferred`` (as bound where `spawn` is called).
    @discardableResult
    public static func spawn<T: Sendable>(_ operation: sending @escaping @isolated(any) () async -> T) -> Task<T, Never> {
        Task(executorPreference: preferred, operation: operation)
    }
}
