import ConsensusTesting

/// The step mode's `help`: its commands by topic, or one command's usage.
enum StepHelp {
    static let topics: [(String, [String], String)] = [
        ("time and messages", ["tick", "deliver", "drop", "step", "stabilize", "messages"],
         "nothing moves until you say so: tick advances clocks (heartbeat intervals), deliver/step/stabilize move messages"),
        ("elections", ["campaign", "why"], "start an election by hand, and see who voted for whom and why"),
        ("faults", ["crash", "restart", "partition", "heal"], "crash keeps only the disk; a partition cuts links until heal"),
        ("data", ["put", "get", "delete", "cas", "counter", "lock"],
         "requests go to the leader unless 'on <member>'; the answer comes when messages are delivered"),
        ("learning", ["status", "debug", "history", "check"], "every member's state, and the linearizability checker's verdict"),
    ]

    static let session = [
        "session", "  leader                      the member that leads, with its term", "  nodes                       the members",
        "  save <file>                 write this session as a script that 'consensus run' replays",
        "  help [command]              this list, or one command", "  quit                        leave (Ctrl-D too)",
    ]

    /// `help` or `help <word>`.
    static func text(_ word: String?) -> String {
        guard let word = word?.lowercased() else {
            var lines = ["Step mode commands by topic (members: n1, 1 or leader; a->b takes * for any member):"]
            for (topic, words, summary) in topics {
                lines.append("\(topic): \(summary)")
                lines += words.compactMap { StepCommand.forms[$0] }.map { "  " + $0 }
            }
            return (lines + session).joined(separator: "\n")
        }
        let asked = word == "kill" ? "crash" : word
        if let form = StepCommand.forms[asked] { return "usage: \(form)" }
        if let line = session.first(where: { $0.hasPrefix("  \(asked)") }) { return "usage:" + line.dropFirst(1) }
        return "error: no step-mode command '\(asked)'; type 'help' for the list"
    }
}
