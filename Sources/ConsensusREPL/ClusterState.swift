import ConsensusServer
import Foundation

/// `D/cluster.json`: what `consensus cluster up` started, so the other `cluster` commands can
/// find (and only ever signal) those processes.
public struct ClusterState: Codable, Sendable {
    /// One member: its ports, data, log and the command line that starts it.
    public struct Member: Codable, Sendable {
        public var id: String
        /// `nil` once the member was stopped by a `cluster` command.
        public var pid: Int32?
        public var peerPort: Int
        public var apiPort: Int
        public var dataDir: String
        public var log: String
        /// The arguments after the executable: `restart` starts the member with exactly these.
        public var arguments: [String]

        public var apiURL: String { "http://127.0.0.1:\(apiPort)" }
        public var peerAddress: String { "127.0.0.1:\(peerPort)" }
        public var apiAddress: String { "127.0.0.1:\(apiPort)" }
    }

    public var version = 1
    public var clusterID: String
    public var executable: String
    public var mechanism: String
    public var members: [Member]

    public static func path(in directory: String) -> String { directory + "/cluster.json" }

    /// `nil` when the directory holds no state file; throws when it holds one that cannot be read.
    public static func load(from directory: String) throws -> ClusterState? {
        let path = path(in: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ClusterState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ClusterError("cannot read \(path): \(error)")
        }
    }

    /// Writes the state file atomically.
    public func save(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(in: directory)), options: .atomic)
    }

    /// The member named `id`.
    public func member(_ id: String) -> Member? { members.first { $0.id == id } }

    /// The members whose recorded process is still this member's `consensus node`.
    public var running: [Member] {
        members.filter { m in m.pid.map { MemberProcess.isNode($0, dataDir: m.dataDir) } ?? false }
    }
}

/// A refusal or failure of a `cluster` command, in one sentence.
public struct ClusterError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The `consensus` directory argument made absolute (so state files and command lines name
/// the same paths whatever the working directory).
public func absoluteClusterDirectory(_ path: String) -> String {
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path)
        : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
    return url.standardizedFileURL.path
}


extension MemberAPI {
    /// Every member's status by id (members that do not answer are absent).
    public static func statuses(_ members: [ClusterState.Member]) async -> [String: MemberStatus] {
        await statuses(members.map { ($0.id, $0.apiAddress) })
    }

    /// GET /v1/status of the member on loopback `port`, or `nil` when it does not answer.
    public static func status(port: Int) async -> MemberStatus? {
        await status("127.0.0.1:\(port)")
    }
}
