import Foundation

/// Test hosts in network namespaces (iproute2's `ip`, as root), joined by a bridge: each member
/// gets a namespace with two veth links, a data link to the bridge that carries the peer
/// traffic, and a management link to the test process for the HTTP API. Setting a member's data
/// link down cuts it off from its peers for real (the kernel drops its packets) while the test
/// can still ask it questions.
///
/// Addresses: data `10.77.<subnet>.<n>/24` on the bridge; management a /30 per member,
/// `10.78.<subnet>.<4n+1>` on the test's side, `.<4n+2>` in the namespace. Names carry a random
/// tag so that concurrent runs do not meet. ``destroy()`` removes everything (deleting a
/// namespace deletes its links and their peers; then the bridge).
final class NetworkNamespaces: @unchecked Sendable {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"

    /// `nil` when network namespaces can be made here; otherwise why not (the test is skipped).
    static let unavailableReason: String? = {
        guard getuid() == 0 else { return "network namespaces need root (the tests run as uid \(getuid()))" }
        guard FileManager.default.isExecutableFile(atPath: ip) else { return "iproute2's ip is not installed (apt-get install -y iproute2)" }
        let probe = "consensus-probe-\(getpid())"
        do {
            try run(["netns", "add", probe])
            try run(["netns", "del", probe])
            return nil
        } catch {
            return "cannot create a network namespace here: \(error)"
        }
    }()

    let tag: String
    let subnet: Int
    private(set) var namespaces: [String] = []
    let bridge: String

    /// Creates `count` namespaces, their links and the bridge.
    init(count: Int) throws {
        tag = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        subnet = Int.random(in: 1...250)
        bridge = "cbr\(tag)"
        do {
            try Self.run(["link", "add", bridge, "type", "bridge"])
            try Self.run(["link", "set", bridge, "up"])
            for n in 1...count {
                let namespace = "consensus-\(tag)-\(n)"
                try Self.run(["netns", "add", namespace])
                namespaces.append(namespace)
                try Self.run(["-n", namespace, "link", "set", "lo", "up"])
                // The data link: namespace side "data0", bridge side cv<tag>d<n>.
                try Self.run(["link", "add", dataLink(n), "type", "veth", "peer", "name", "data0", "netns", namespace])
                try Self.run(["link", "set", dataLink(n), "master", bridge])
                try Self.run(["link", "set", dataLink(n), "up"])
                try Self.run(["-n", namespace, "addr", "add", "\(dataAddress(n))/24", "dev", "data0"])
                try Self.run(["-n", namespace, "link", "set", "data0", "up"])
                // The management link: namespace side "mgmt0", test side cv<tag>m<n>.
                let mine = "cv\(tag)m\(n)"
                try Self.run(["link", "add", mine, "type", "veth", "peer", "name", "mgmt0", "netns", namespace])
                try Self.run(["addr", "add", "10.78.\(subnet).\(4 * n + 1)/30", "dev", mine])
                try Self.run(["link", "set", mine, "up"])
                try Self.run(["-n", namespace, "addr", "add", "\(managementAddress(n))/30", "dev", "mgmt0"])
                try Self.run(["-n", namespace, "link", "set", "mgmt0", "up"])
            }
        } catch {
            destroy()
            throw error
        }
    }

    deinit { destroy() }

    /// Member `n`'s address for its peers.
    func dataAddress(_ n: Int) -> String { "10.77.\(subnet).\(n)" }
    /// Member `n`'s address for the test (its API).
    func managementAddress(_ n: Int) -> String { "10.78.\(subnet).\(4 * n + 2)" }
    /// The bridge side of member `n`'s data link.
    func dataLink(_ n: Int) -> String { "cv\(tag)d\(n)" }

    /// Cuts member `n` off from its peers (its data link goes down), or reconnects it.
    func setConnected(_ n: Int, _ connected: Bool) throws {
        try Self.run(["link", "set", dataLink(n), connected ? "up" : "down"])
    }

    /// Removes the namespaces (with their links) and the bridge. Safe to call twice.
    func destroy() {
        for namespace in namespaces { try? Self.run(["netns", "del", namespace]) }
        namespaces = []
        try? Self.run(["link", "del", bridge])
    }

    /// Runs `ip` with `arguments`; throws with its message when it fails.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw NodeProcessError("ip \(arguments.joined(separator: " ")): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }
}
