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
        var bytes: [UInt8] = [tag]
        bytes.reserveCapacity(9)
        var id = nodeID
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: id))
            id >>= 8
        }
        return bytes
    }

    /// Decodes ``encoded()``; `nil` for anything else.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 9 else { return nil }
        var id: UInt64 = 0
        for i in (1...8).reversed() { id = id << 8 | UInt64(bytes[i]) }
        switch bytes[0] {
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
