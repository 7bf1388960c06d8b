import ArgumentParser

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sim", abstract: "Run the deterministic simulator (not yet written).")
    func run() throws { throw ValidationError("not yet written") }
}
