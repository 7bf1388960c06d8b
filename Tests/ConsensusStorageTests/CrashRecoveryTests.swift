import ConsensusCore
import ConsensusStorage
import Foundation
import Testing

/// A real crash test: a child process (`consensus storage-crash-child`) appends entries to a
/// FileStorage and prints `ack N` after each persist returns; the test kills it with SIGKILL at
/// random moments and checks that every acknowledged entry is there after recovery
/// (DESIGN.md, "Storage": nothing is acknowledged before it is durable).
///
/// The kill comes after a random number of acks, not after a delay, so the test does not depend
/// on timing; where the kill lands inside the child's write is up to the scheduler.
@Suite("Crash recovery (real processes)")
struct CrashRecoveryTests {
    /// The `consensus` executable, built next to this test bundle (`swift build` builds it).
    static var executable: String? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let path = ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent("consensus")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// What the child writes into entry `index` (mirrors `StorageCrashChildCommand.payload`).
    static func payload(_ index: LogIndex) -> [UInt8] {
        Array("entry \(index);".utf8) + [UInt8](repeating: UInt8(index % 251), count: Int(index % 200))
    }

    /// Reads the child's stdout a line at a time.
    struct LineReader {
        let handle: FileHandle
        var pending: [UInt8] = []

        /// The next line, or nil at end of file.
        mutating func next() -> String? {
            while true {
                if let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    return line
                }
                let data = handle.availableData
                if data.isEmpty { return nil }
                pending.append(contentsOf: data)
            }
        }
    }

    func spawn(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.executable, "build the consensus executable first: swift build"))
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    @Test("SIGKILL at 25 random moments: every acknowledged entry survives, with its contents")
    func killNineRepeatedly() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var random = SplitMix64(seed: 20_250_525)
        var acknowledged: LogIndex = 0
        var acksRead = 0
        let kills = 25
        for round in 0..<kills {
            let (child, out, err) = try spawn([
                "storage-crash-child", "--dir", dir.path, "--seed", String(round),
                "--segment-bytes", "8192", "--snapshot-every", "300",
            ])
            // Always kill the child, whatever happens below.
            defer {
                if child.isRunning { kill(child.processIdentifier, SIGKILL) }
                child.waitUntilExit()
            }
            var lines = LineReader(handle: out.fileHandleForReading)
            let firstLine = lines.next()
            let ready = try #require(firstLine, "the child exited: \(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            let recovered = try #require(LogIndex(ready.dropFirst("ready ".count)), "unexpected first line \(ready)")
            #expect(recovered >= acknowledged, "round \(round): the child recovered \(recovered) but \(acknowledged) was acknowledged")
            let acksBeforeKill = Int.random(in: 1...60, using: &random)
            for _ in 0..<acksBeforeKill {
                let next = lines.next()
                let line = try #require(next, "the child exited early in round \(round)")
                let index = try #require(LogIndex(line.dropFirst("ack ".count)), "unexpected line \(line)")
                #expect(index > acknowledged)
                acknowledged = index
                acksRead += 1
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal)

            // Recover in this process and check every acknowledged entry.
            let storage = try FileStorage(directory: dir.path, segmentBytesMax: 8192)
            let state = try storage.load()
            storage.close()
            let first = state.snapshot.metadata.index
            let last = state.entries.last?.index ?? first
            #expect(last >= acknowledged, "round \(round): recovered up to \(last), acknowledged \(acknowledged)")
            #expect(state.entries.map(\.index) == (0..<state.entries.count).map { first + 1 + LogIndex($0) })
            for e in state.entries where e.data != Self.payload(e.index) {
                Issue.record("round \(round): entry \(e.index) has the wrong payload")
            }
            if first > 0 { #expect(state.snapshot.data == Self.payload(first)) }
            #expect(state.hardState.commit <= last)
        }
        #expect(acksRead >= kills)
        print("crash test: \(kills) SIGKILLs, \(acksRead) acks read, last acknowledged index \(acknowledged)")
    }

    @Test("A second process cannot open a directory this one holds")
    func secondProcessIsLockedOut() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let storage = try FileStorage(directory: dir.path)
        defer { storage.close() }
        let (child, _, err) = try spawn(["storage-crash-child", "--dir", dir.path, "--batches", "1"])
        defer {
            if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            child.waitUntilExit()
        }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        #expect(child.terminationStatus == 2)
        #expect(message.contains("is in use"))
        #expect(message.contains(dir.path))
    }
}
