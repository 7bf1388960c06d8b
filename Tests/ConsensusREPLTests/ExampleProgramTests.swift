import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The programs in Examples/ (issue 14, item 5) run to the end and report success: each checks
/// its own invariants (no lost update, one game host, every member agrees) and exits 1 if one
/// breaks. `swift build` builds them beside the test bundle, as it builds `consensus`.
@Suite("Examples: the example programs run")
struct ExampleProgramTests {
    @Test("an example program exits 0 and ends with its ok line", arguments: [
        ("game-state", "game-state: ok, no update lost, one host, every member agrees"),
        ("distributed-counter", "distributed-counter: ok, no change lost or counted twice, every member agrees"),
    ])
    func runs(_ program: String, _ lastLine: String) throws {
        let path = URL(fileURLWithPath: ReplRun.executable).deletingLastPathComponent().appendingPathComponent(program).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is not built: run swift build --build-tests")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read to the end on a thread of its own, so a full pipe cannot block the program.
        let collected = Collected()
        let reader = Thread {
            collected.append(output.fileHandleForReading.readDataToEndOfFile(), isError: false)
            collected.append(Data(), isError: true)   // one pipe for both: mark the other end too
        }
        reader.start()
        // Real time, on a busy machine: a generous bound, never an assertion on how long it took.
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning && ContinuousClock.now < deadline { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        while !collected.complete { usleep(50_000) }
        let lines = collected.text.split(separator: "\n").map(String.init)
        #expect(process.terminationStatus == 0, "\(program) exited with \(process.terminationStatus):\n\(collected.text)")
        #expect(lines.last == lastLine, "\(program) printed:\n\(collected.text)")
    }
}
