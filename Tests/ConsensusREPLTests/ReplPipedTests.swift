import Foundation
import Testing

/// `consensus repl` with its input piped: a script of commands against a local cluster of real
/// node processes. Real time: waits are bounded generously, nothing asserts on elapsed time, and
/// every node process is gone afterwards (or killed by the teardown).
@Suite("REPL: piped mode on real node processes", .serialized)
struct ReplPipedTests {
    @Test("put, get, kill the leader, put again after the new election, status; exit status 0; nothing left running")
    func killTheLeader() throws {
        let run = try ReplRun()
        defer { run.tearDown() }
        let script = """
            put greeting hello
            get greeting
            kill leader
            put greeting again
            get greeting
            status
            check
            why
            quit
            """
        let (status, output) = try run.piped(script, ["--nodes", "3", "--log-level", "warning"])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Started 3 local consensus node processes (raft, n1..n3)") == true, "\(output)")
        #expect(lines.contains { $0.hasPrefix("ok (revision") }, "\(output)")
        #expect(lines.contains { $0.hasPrefix("greeting = \"hello\"") }, "\(output)")
        #expect(lines.contains { $0.hasPrefix("killed n") }, "\(output)")
        #expect(lines.contains { $0.hasPrefix("greeting = \"again\"") }, "\(output)")
        #expect(lines.contains { $0.contains("killed ('restart n") }, "status shows the killed member: \(output)")
        #expect(lines.contains { $0.hasPrefix("* leader: n") }, "status shows the new leader: \(output)")
        #expect(lines.contains { $0.hasPrefix("linearizable") }, "\(output)")
        // why explains the election that followed the kill, from the members' events: the winner
        // and its votes, and the killed member that never got the request.
        #expect(lines.contains { $0.range(of: #"^term \d+: n\d won with [23] of 3 votes \(n\d( n\d)+\); a majority is 2$"#, options: .regularExpression) != nil }, "\(output)")
        #expect(lines.contains { $0.range(of: #"^  n\d gave n\d no vote that we saw: its events say it never got the request"#, options: .regularExpression) != nil }, "\(output)")
        #expect(!lines.contains { $0.hasPrefix("error:") }, "\(output)")
        #expect(run.nodesGone().isEmpty, "node processes left after quit")
    }

    @Test("a failing command prints one line and the script goes on; the exit status is 1; end of input stops the members")
    func failingCommand() throws {
        let run = try ReplRun()
        defer { run.tearDown() }
        let script = """
            stauts
            put k 1
            get k --local
            """
        let (status, output) = try run.piped(script, ["--nodes", "1"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("error: unknown command 'stauts': did you mean 'status'?"), "\(output)")
        #expect(output.contains("ok (revision"), "\(output)")
        #expect(output.contains("k = 1 (revision") && output.contains("(local read: may be stale"), "\(output)")
        #expect(run.nodesGone().isEmpty, "node processes left after the end of input")
    }

    @Test("optimistic, elect, txn and add-node on real processes; save writes a script that consensus run replays on a new cluster")
    func recipesAndSave() throws {
        let run = try ReplRun()
        defer { run.tearDown() }
        let saved = run.root + "/session.txt"
        let script = """
            optimistic incr hits
            optimistic add hits 4
            elect campaign game host-a '{"addr":"a"}'
            elect campaign game host-b
            elect show game
            txn {"if":[{"type":"valueEquals","key":"hits","value":5}],"then":[{"type":"put","key":"started","value":true}]}
            get started
            add-node n4
            get hits --on n4
            save \(saved)
            """
        let (status, output) = try run.piped(script, ["--nodes", "3", "--log-level", "warning"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("attempt 1: read absent, wrote 1"), "\(output)")
        #expect(output.contains("attempt 1: read 1, wrote 5"), "\(output)")
        #expect(output.contains("game: host-a elected, token "), "\(output)")
        #expect(output.contains("game: host-b not elected (host-a leads it)"), "\(output)")
        #expect(output.contains(#"game: host-a leads, token 1, value {"addr":"a"}"#), "\(output)")
        #expect(output.contains("conditions held: 'then' applied"), "\(output)")
        #expect(output.contains("started = true"), "\(output)")
        #expect(output.contains("started n4 (consensus node --join, peers at 127.0.0.1:"), "\(output)")
        #expect(output.contains("the cluster added it as a learner, let it catch up, and made it a voter"), "\(output)")
        #expect(output.contains("hits = 5 (revision"), "the new member caught up: \(output)")
        #expect(output.contains("saved 9 commands to \(saved)"), "\(output)")
        #expect(run.nodesGone().isEmpty, "node processes left after the end of input")

        // The saved session replays on a fresh cluster started by consensus run.
        let (replayStatus, replay) = try run.piped("", [saved], command: "run")
        #expect(replayStatus == 0, "\(replay)")
        #expect(replay.contains("> elect show game\ngame: host-a leads"), "\(replay)")
        #expect(replay.contains("# \(saved): 9 commands, every expect line held"), "\(replay)")
        #expect(run.nodesGone().isEmpty, "node processes left after consensus run")
    }

    @Test("consensus repl --simulated, piped: byte-identical output for the same seed and commands; a bad command makes the exit status 1")
    func stepModePiped() throws {
        let run = try ReplRun()
        defer { run.tearDown() }
        let script = "campaign n2\nstabilize\nput x 1\nstabilize\ncrash leader\ntick 12\nstabilize\nwhy\nstatus\n"
        let (status, first) = try run.piped(script, ["--simulated", "--seed", "9"])
        let (_, second) = try run.piped(script, ["--simulated", "--seed", "9"])
        #expect(status == 0, "\(first)")
        #expect(first == second)
        #expect(first.hasPrefix("Step mode: 3 simulated raft members (n1 n2 n3), seed 9."), "\(first)")
        #expect(first.contains("n2 becomes leader term:1"), "\(first)")
        let (badStatus, bad) = try run.piped("campain n1\nstatus\n", ["--simulated"])
        #expect(badStatus == 1, "\(bad)")
        #expect(bad.contains("error: unknown command \"campain\"; did you mean campaign?"), "\(bad)")
        let (flagStatus, flag) = try run.piped("", ["--simulated", "--nodes", "12"])
        #expect(flagStatus == 2 && flag.contains("--nodes: from 1 to 9 in step mode"), "\(flag)")
    }
}
