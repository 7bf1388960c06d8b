/// Replays a ``RecipeScript`` through a session (`consensus run`): shows each narration line as
/// it is reached, echoes each command as `> command` followed by its output, and checks the
/// output against the command's `expect` lines. Stops at the first mismatch with a diff, and at
/// a command that failed without `expect` lines (a recipe that means to show a failure says so
/// with `expect`).
public struct ScriptRunner: Sendable {
    /// Where the transcript goes, a line at a time.
    public var write: @Sendable (String) -> Void
    /// Called before each command with the command; returns `false` to stop the run (`--step`).
    public var beforeCommand: @Sendable (String) async -> Bool = { _ in true }

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// How a run ended.
    public enum Outcome: Sendable, Hashable {
        case passed(commands: Int)
        /// An expectation did not hold, or a command failed: where and why (already written).
        case failed(line: Int, reason: String)
        /// The learner stopped it.
        case stopped
    }

    /// Runs `script` through `session`; `file` names the script in messages.
    public func run(_ script: RecipeScript, on session: any LineInterpreter, file: String) async -> Outcome {
        var commands = 0
        for step in script.steps {
            switch step {
            case .narration(let text):
                write(text.isEmpty ? "#" : "# " + text)
            case let .command(command, line, expect):
                guard await beforeCommand(command) else { return .stopped }
                write("> " + command)
                let result = await session.run(command)
                let output = result.text.isEmpty ? [] : result.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                output.forEach(write)
                commands += 1
                if !expect.isEmpty {
                    guard OutputMatch.matches(output, expect) else {
                        let reason = "\(file):\(line): the output of '\(command)' is not what the expect lines say"
                        write("")
                        write("FAILED " + reason + " (- expected, + got):")
                        OutputMatch.diff(output, expect).forEach(write)
                        return .failed(line: line, reason: reason)
                    }
                } else if result.failed {
                    let reason = "\(file):\(line): '\(command)' failed; a recipe stops there unless expect lines say what should happen"
                    write("")
                    write("FAILED " + reason)
                    return .failed(line: line, reason: reason)
                }
                if result.quit { return .passed(commands: commands) }
            }
        }
        return .passed(commands: commands)
    }
}
