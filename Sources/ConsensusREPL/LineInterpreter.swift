/// What the shell runs lines through: the process mode's ``ReplSession`` or the step mode's
/// ``StepSession``. The shell reads lines and prints what comes back; an interpreter never
/// throws: every problem is a line of output.
public protocol LineInterpreter: Sendable {
    /// Runs one line.
    func run(_ line: String) async -> ReplSession.LineResult
    /// What tab completion offers now.
    func completion() async -> ReplCompletion
    /// Stops whatever the session started.
    func shutdown() async
}

extension ReplSession: LineInterpreter {}
