import Foundation

/// A single-threaded executor that lets virtual time pass only when it has nothing left to run.
///
/// Every task of a test in virtual time runs here: the test's own (through
/// `withTaskExecutorPreference`), the default actors they call (which follow the preference), and
/// the runtime's unstructured tasks (through ``RuntimeExecutor``). When the queue is empty, every
/// one of them is waiting: for a message, for an answer, or for the clock. Then, and only then,
/// the executor advances the ``VirtualClock`` to its next deadline. So a lease, an election
/// timeout or a proposal deadline can only expire because of what the cluster did in virtual
/// time, never because the machine was busy.
///
/// Work that leaves the executor (a thread pool, a real sleep) is invisible to it: time may pass
/// while such work is pending. Tests in virtual time use in-memory storage and the virtual
/// clock only.
public final class VirtualTimeExecutor: TaskExecutor, SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var finished = false
    private let clock: VirtualClock?

    /// Starts the executor's thread. Call ``finish()`` when the test is over. Without a clock it
    /// is a plain thread of the test's own: time is real, and nothing else in the process (a
    /// CPU-bound test hogging Swift's shared threads) can keep its tasks from running.
    public init(clock: VirtualClock?) {
        self.clock = clock
        let thread = Thread { [self] in run() }
        thread.name = "virtual-time"
        thread.stackSize = 4 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if finished {
            condition.unlock()
            // The test is over: whatever still runs (a cancelled loop ending) runs elsewhere.
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once the jobs queued so far have run; later jobs go to the global
    /// executor. Time no longer advances.
    public func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
        // Whatever still sleeps (a test that failed before stopping its cluster) is cancelled,
        // rather than left suspended for the rest of the process.
        clock?.cancelAllSleepers()
    }

    private func run() {
        while let job = next() {
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
        }
    }

    /// The next job; when there is none, time passes; `nil` when finished and drained.
    private func next() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head > 1024, head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                return job
            }
            if finished { return nil }
            condition.unlock()
            // Nothing runnable: every task waits. Let time pass (this resumes sleepers, which
            // enqueues their jobs here).
            let advanced = clock?.advanceToNextDeadline() ?? false
            condition.lock()
            if !advanced && head >= jobs.count && !finished {
                // Nobody sleeps: wait for work from outside (a thread pool, another test's task),
                // and look at the clock again now and then (a sleeper may have come from a thread
                // of its own, which does not signal this executor).
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01))
            }
        }
    }
}
