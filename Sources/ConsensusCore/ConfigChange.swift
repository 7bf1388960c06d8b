/// One membership change. Changes go through the log one at a time (single-server changes,
/// §4.1 of the Raft dissertation): any majority of the old voters and any majority of the new
/// voters overlap, so two leaders cannot be elected in one term across the change.
public enum ConfigChange: Sendable, Hashable, CustomStringConvertible {
    /// Add a node that receives the log but does not vote.
    case addLearner(NodeID)
    /// Turn a learner into a voter.
    case promote(NodeID)
    /// Remove a voter or a learner. A leader that removes itself steps down once the change
    /// commits.
    case remove(NodeID)

    public var nodeID: NodeID {
        switch self {
        case .addLearner(let id), .promote(let id), .remove(let id): return id
        }
    }

    public var description: String {
        switch self {
        case .addLearner(let id): return "add-learner \(id)"
        case .promote(let id): return "promote \(id)"
        case .remove(let id): return "remove \(id)"
        }
    }

    /// Nine bytes: a tag and the node id, little-endian.
    public func encoded() -> [UInt8] {
        let tag: UInt8
        switch self {
        case .addLearner: tag = 1
        case .promote: tag = 2
        case .remove: tag = 3
        }
        var w = LittleEndian.Writer()
        w.bytes.reserveCapacity(9)
        w.u8(tag)
        w.u64(nodeID)
        return w.bytes
    }

    /// Decodes ``encoded()`` (also the first nine bytes of a ``ConfigChangeEntry``); `nil` for
    /// anything else.
    public init?(encoded bytes: [UInt8]) {
        var r = LittleEndian.Reader(bytes)
        guard let tag = try? r.u8(), let id = try? r.u64() else { return nil }
        switch tag {
        case 1: self = .addLearner(id)
        case 2: self = .promote(id)
        case 3: self = .remove(id)
        default: return nil
        }
    }
}

/// Why a membership change was refused.
public enum ConfigChangeError: Error, Sendable, Hashable {
    case invalidNodeID
    case alreadyMember(NodeID)
    case notALearner(NodeID)
    case notAMember(NodeID)
    case lastVoter(NodeID)
}

/// What a configuration-change log entry carries: the change and the whole configuration that
/// results from it. Carrying the result means a node that joins with an empty log learns the
/// membership from the entry alone, without knowing the configuration the cluster started with.
public struct ConfigChangeEntry: Sendable, Hashable {
    public var change: ConfigChange
    public var configuration: Configuration

    public init(change: ConfigChange, configuration: Configuration) {
        self.change = change
        self.configuration = configuration
    }

    /// The change's nine bytes, then the voters and the learners, each a count and little-endian ids.
    public func encoded() -> [UInt8] {
        var w = LittleEndian.Writer(bytes: change.encoded())
        for group in [configuration.voters.sorted(), configuration.learners.sorted()] {
            w.u64(UInt64(group.count))
            for id in group { w.u64(id) }
        }
        return w.bytes
    }

    public init?(encoded bytes: [UInt8]) {
        guard let change = ConfigChange(encoded: bytes) else { return nil }
        // The change's nine bytes are there: `ConfigChange(encoded:)` read them.
        var r = LittleEndian.Reader(bytes[9...])
        var groups: [Set<NodeID>] = []
        for _ in 0..<2 {
            guard let count = try? r.u64(), count <= UInt64(r.remaining / 8) else { return nil }
            var group = Set<NodeID>()
            for _ in 0..<count {
                guard let id = try? r.u64(), id != 0 else { return nil }
                group.insert(id)
            }
            groups.append(group)
        }
        guard r.isAtEnd, groups[0].isDisjoint(with: groups[1]) else { return nil }
        self.change = change
        self.configuration = Configuration(voters: groups[0], learners: groups[1])
    }
}
