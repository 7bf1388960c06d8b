/// Every REPL command, in the order `help` lists them within a topic.
public enum CommandCatalog {
    /// The `--on <member>` line of the data commands.
    static let onLine = "--on <member>: send it to this member (default: the leader, else any member that answers)"

    /// All commands.
    public static let commands: [CommandSpec] = [
        // cluster
        CommandSpec(name: "status", topic: .cluster, usage: "status",
                    summary: "every member: role, term, commit, applied, log length, reachable; * marks the leader"),
        CommandSpec(name: "nodes", topic: .cluster, usage: "nodes",
                    summary: "the members as the cluster sees them: id, address, role, reachable"),
        CommandSpec(name: "leader", topic: .cluster, usage: "leader", summary: "who leads, in which term"),
        CommandSpec(name: "add-node", topic: .cluster, usage: "add-node <id> <host:port>",
                    summary: "add a member (a 'consensus node --join' listening for peers at host:port)",
                    details: ["The new member must already run with --join; the cluster adds it through consensus."]),
        CommandSpec(name: "remove-node", topic: .cluster, usage: "remove-node <member>",
                    summary: "remove a member from the cluster (through consensus)", completion: .members),
        CommandSpec(name: "transfer-leader", topic: .cluster, usage: "transfer-leader <member>",
                    summary: "hand leadership to a member", completion: .members),
        // data
        CommandSpec(name: "put", aliases: ["propose"], topic: .data, usage: "put <key> <value> [--on <member>]",
                    summary: "write a value (propose is the same command)",
                    details: ["<value> is JSON when it parses as JSON (42, true, null, \"text\", [1,2], {\"a\":1}), else a string.",
                              "Quote a value with spaces: put greeting 'hello world'.", onLine],
                    completion: .keys),
        CommandSpec(name: "get", topic: .data, usage: "get <key> [--local] [--on <member>]",
                    summary: "read a key (linearizable; --local reads one member's copy, which may be stale)",
                    details: [onLine], completion: .keys),
        CommandSpec(name: "delete", topic: .data, usage: "delete <key> [--on <member>]", summary: "delete a key",
                    details: [onLine], completion: .keys),
        CommandSpec(name: "txn", topic: .data, usage: "txn", summary: "an all-or-nothing transaction (not available over HTTP yet)",
                    coming: true),
        CommandSpec(name: "watch", topic: .data, usage: "watch <key> [--prefix] [--on <member>]",
                    summary: "show the changes of a key as they happen, until Ctrl-C",
                    details: ["--prefix: every key that starts with <key>.", onLine], completion: .keys),
        CommandSpec(name: "result", topic: .data, usage: "result <key> <value> [--on <member>]",
                    summary: "propose and show the whole result: accepted, votes, quorum, error",
                    details: [onLine], completion: .keys),
        // voting
        CommandSpec(name: "pending", topic: .voting, usage: "pending [--on <member>]",
                    summary: "simple_majority: proposals waiting for this member's vote"),
        CommandSpec(name: "vote", topic: .voting, usage: "vote <proposal-id> yes|no [--on <member>]",
                    summary: "simple_majority: vote by hand (members started with --vote-policy manual)"),
        // recipes
        CommandSpec(name: "cas", topic: .recipes, usage: "cas <key> <expected> <new> [--on <member>]",
                    summary: "compare-and-swap, decided when the log entry is applied",
                    details: ["null as <expected> means the key is absent; null as <new> deletes it.", onLine],
                    completion: .keys),
        CommandSpec(name: "lock", topic: .recipes,
                    usage: "lock acquire|renew|release|show <name> ...",
                    summary: "a lock with expiry and a fencing token",
                    details: ["lock acquire <name> <holder> [<ttl>] [--wait <duration>]   (ttl default 10s)",
                              "lock renew <name> <holder> <token> [<ttl>]",
                              "lock release <name> <holder> <token>",
                              "lock show <name>",
                              "Durations: 500ms, 10s, 1m."],
                    subcommands: ["acquire", "renew", "release", "show"]),
        CommandSpec(name: "counter", topic: .recipes, usage: "counter incr|decr|add|get|batch <name> ...",
                    summary: "atomic counters; a batch changes several at once, all or nothing",
                    details: ["counter incr <name>          counter decr <name>",
                              "counter add <name> <delta>   counter get <name>",
                              "counter batch <name>=<delta> <name>=<delta> ..."],
                    subcommands: ["incr", "decr", "add", "get", "batch"]),
        CommandSpec(name: "optimistic", topic: .recipes, usage: "optimistic", summary: "read, change and write back with retries",
                    coming: true),
        CommandSpec(name: "elect", topic: .recipes, usage: "elect campaign|observe|resign", summary: "application leader election",
                    coming: true),
        // faults
        CommandSpec(name: "kill", topic: .faults, usage: "kill <member>", summary: "SIGKILL a member's process (restart brings it back)",
                    completion: .members),
        CommandSpec(name: "restart", topic: .faults, usage: "restart <member>",
                    summary: "start a member again on its data (stopping it first if it runs)", completion: .members),
        CommandSpec(name: "pause", topic: .faults, usage: "pause <member>",
                    summary: "SIGSTOP a member: alive but silent (resume continues it)", completion: .members),
        CommandSpec(name: "resume", topic: .faults, usage: "resume <member>", summary: "SIGCONT a paused member",
                    completion: .members),
        CommandSpec(name: "partition", topic: .faults, usage: "partition <members> | <members>",
                    summary: "cut the traffic between two groups, e.g. partition n1 | n2 n3",
                    details: ["Members may be separated by spaces or commas; leader names the current leader."],
                    completion: .members),
        CommandSpec(name: "heal", topic: .faults, usage: "heal", summary: "restore all traffic between members"),
        // learning
        CommandSpec(name: "trace", topic: .learning, usage: "trace on|off",
                    summary: "show every member's events as they happen, tagged with member and term",
                    completion: .words(["on", "off"])),
        CommandSpec(name: "history", topic: .learning, usage: "history",
                    summary: "the operations this session ran, with their outcomes (ok, failed, unknown)"),
        CommandSpec(name: "check", topic: .learning, usage: "check",
                    summary: "is this session's history linearizable? (the project's checker, with its explanation)"),
        CommandSpec(name: "debug", topic: .learning, usage: "debug", summary: "every member's debug state"),
        CommandSpec(name: "why", topic: .learning, usage: "why [term N]", summary: "who campaigned and who voted for whom",
                    coming: true),
        CommandSpec(name: "save", topic: .learning, usage: "save <file>", summary: "write this session as a script",
                    coming: true),
        // session
        CommandSpec(name: "output", topic: .session, usage: "output table|json", summary: "print tables (default) or JSON",
                    completion: .words(["table", "json"])),
        CommandSpec(name: "help", topic: .session, usage: "help [<command>|<topic>]",
                    summary: "the commands by topic, or one command in detail", completion: .commands),
        CommandSpec(name: "quit", aliases: ["exit"], topic: .session, usage: "quit",
                    summary: "stop the members this session started and leave (Ctrl-D too)"),
    ]

    /// The command named `name` (or one of its aliases).
    public static func spec(_ name: String) -> CommandSpec? {
        commands.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Every name and alias.
    public static var names: [String] { commands.flatMap { [$0.name] + $0.aliases } }
}
