/// Where a member listens for peers: a host (name or IP address) and a TCP port.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port; 0 when binding means "any free port".
    public var port: Int

    /// - Parameters:
    ///   - host: A host name or an IP address (default: the loopback address).
    ///   - port: The TCP port.
    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[v6-address]:port` for IPv6), as in `--peers n1=127.0.0.1:7001`.
    /// Returns nil for anything else, including a port outside 0...65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains("[") && !host.contains("]") else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`, with brackets around an IPv6 address.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
