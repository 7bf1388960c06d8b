import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure throughput (not yet written).")
    func run() throws { throw ValidationError("not yet written") }
}
