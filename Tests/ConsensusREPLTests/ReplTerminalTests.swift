import ConsensusREPL
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A tmux server of its own (a private socket), for driving the REPL through a real
/// pseudo-terminal: keys in, screen out.
struct Tmux {
    let socket: String
    static let binary = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs a tmux command (up to 30 s); returns what it printed.
    ///
    /// Not with Foundation's `Process`: the server that `new-session` starts would inherit the
    /// descriptor by which `Process` notices its child's exit, and the test would wait forever.
    /// MemberProcess.spawn passes on only stdin, stdout and stderr.
    @discardableResult
    func run(_ arguments: [String]) -> String {
        guard let binary = Self.binary else { return "" }
        let output = socket + ".out-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: output) }
        guard let pid = try? MemberProcess.spawn(executable: binary, arguments: ["-S", socket] + arguments, log: output) else { return "" }
        let deadline = ContinuousClock.now + .seconds(30)
        while MemberProcess.isAlive(pid) && ContinuousClock.now < deadline { usleep(20_000) }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// Starts `command` (a shell command line) in a new detached session `name`.
    func start(_ name: String, _ command: String) {
        run(["new-session", "-d", "-s", name, "-x", "160", "-y", "50", command])
    }

    func keys(_ name: String, _ keys: [String]) {
        // One key name per call, so that "C-c" is a key and "put k 1" is text.
        for key in keys { run(["send-keys", "-t", name, key]) }
    }

    func screen(_ name: String) -> String { run(["capture-pane", "-p", "-S", "-200", "-t", name]) }

    /// Waits (up to `timeout`) until the screen satisfies `condition`; returns the last screen.
    func waitFor(_ name: String, timeout: Duration = .seconds(120), _ condition: (String) -> Bool) -> (Bool, String) {
        let deadline = ContinuousClock.now + timeout
        var text = screen(name)
        while !condition(text) && ContinuousClock.now < deadline {
            usleep(200_000)
            text = screen(name)
        }
        return (condition(text), text)
    }

    func pane(_ name: String) -> Int32? {
        Int32(run(["list-panes", "-t", name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func killServer() { run(["kill-server"]) }
}

/// The REPL in a real terminal (tmux): tab completion, a bad command, Ctrl-C during watch and at
/// the prompt, Ctrl-D, history kept across two runs, and no node process left behind, also
/// when the REPL is killed with SIGKILL.
@Suite("REPL: a real terminal (tmux)", .serialized, .enabled(if: Tmux.binary != nil, "needs tmux (apt-get install tmux)"))
struct ReplTerminalTests {
    @Test("completion, a bad command, Ctrl-C in watch, Ctrl-D; then history in a second run and kill -9 of the REPL")
    func terminalSession() throws {
        let run = try ReplRun()
        let tmux = Tmux(socket: run.root + "/tmux.sock")
        defer {
            tmux.killServer()
            run.tearDown()
        }
        let environment = "env HOME='\(run.root)/home' TMPDIR='\(run.root)/tmp/' TERM=xterm"
        let repl = "\(environment) '\(ReplRun.executable)' repl --nodes 3 --log-level warning"
        // First run: the shell stays after the REPL exits, to show its exit status.
        tmux.start("one", "\(repl); echo REPL-EXIT=$?; sleep 600")
        var (ok, screen) = tmux.waitFor("one") { $0.contains("Type 'help' for commands") }
        try #require(ok, "the REPL did not start:\n\(screen)")

        // Each step: keys typed, then the text that must appear (a generous bound on a busy machine).
        func step(_ session: String, _ keys: [String], until text: String, _ what: String, timeout: Duration = .seconds(120)) {
            tmux.keys(session, keys)
            let (ok, screen) = tmux.waitFor(session, timeout: timeout) { $0.contains(text) }
            #expect(ok, "\(what):\n\(screen)")
        }
        step("one", ["sta", "Tab"], until: "consensus> status", "no completion of a command", timeout: .seconds(30))
        step("one", ["Enter"], until: "* leader: n", "no status table")
        // A bad command: one line with a suggestion, and the REPL goes on.
        step("one", ["stauts", "Enter"], until: "did you mean 'status'?", "no suggestion for a misspelt command")
        // A key, then tab completion of it.
        step("one", ["put tmuxkey 1", "Enter"], until: "ok (revision", "put failed")
        step("one", ["get tmux", "Tab"], until: "consensus> get tmuxkey", "no completion of a key", timeout: .seconds(30))
        step("one", ["Enter"], until: "tmuxkey = 1", "get failed")
        // watch, then Ctrl-C stops the watch and not the session.
        step("one", ["watch tmuxkey", "Enter"], until: "Ctrl-C stops", "watch did not start")
        step("one", ["C-c"], until: "watch stopped", "Ctrl-C did not stop the watch")
        step("one", ["leader", "Enter"], until: "leads in term", "the session did not go on after Ctrl-C")
        // Ctrl-D: the REPL stops its members and exits 0.
        step("one", ["C-d"], until: "REPL-EXIT=0", "Ctrl-D did not end the REPL cleanly")
        #expect(run.nodesGone().isEmpty, "node processes left after Ctrl-D")

        // Second run, same HOME: the history has the first run's last command.
        tmux.start("two", "exec \(repl)")
        (ok, screen) = tmux.waitFor("two") { $0.contains("Type 'help' for commands") }
        try #require(ok, "the second REPL did not start:\n\(screen)")
        step("two", ["Up"], until: "consensus> leader", "no history from the first run", timeout: .seconds(30))
        // Ctrl-C at the prompt drops the line and shows a fresh prompt; the REPL stays. (Wait for
        // the fresh prompt before typing on: keys that reach the terminal before the shell has
        // handled the signal still belong to the old line, which a loaded run once showed.)
        tmux.keys("two", ["C-c"])
        (ok, screen) = tmux.waitFor("two", timeout: .seconds(60)) { text in
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return lines.count >= 2 && lines.last == "consensus>" && lines[lines.count - 2] == "consensus> leader"
        }
        #expect(ok, "Ctrl-C at the prompt did not drop the line:\n\(screen)")
        step("two", ["nodes", "Enter"], until: "(as n", "the REPL did not go on after Ctrl-C at the prompt")
        let history = (try? String(contentsOfFile: run.root + "/home/.consensus_history", encoding: .utf8)) ?? ""
        #expect(history.contains("put tmuxkey 1") && history.contains("nodes"), "history file: \(history)")

        // kill -9 of the REPL: its members notice and exit.
        let nodes = run.nodeProcesses()
        #expect(nodes.count == 3, "\(nodes)")
        let replPID = run.replPID()
        #expect(replPID != nil && replPID == tmux.pane("two"), "the REPL is \(String(describing: replPID)), the pane's process \(String(describing: tmux.pane("two")))")
        if let replPID { kill(replPID, SIGKILL) }
        let left = run.nodesGone()
        let replState = replPID.flatMap { try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8) } ?? "gone"
        #expect(left.isEmpty, "node processes left after kill -9 of the REPL: \(left); the REPL: \(replState)")
    }
}
