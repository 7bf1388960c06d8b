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
}
