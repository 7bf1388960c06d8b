import ConsensusCore
import ConsensusNetwork

/// Random peer messages from a seeded generator, for property-style tests (the wire format's
/// fuzz and round-trip tests, the TCP transport's exchange tests): every case of
/// ``PeerMessage`` and of ``Message/Kind``, with edge values (0, `UInt64.max`, empty and
/// non-ASCII strings) mixed in.
public struct RandomPeerMessages: Sendable {
    public var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// How many shapes ``message(shape:)`` knows: 12 Raft kinds and 9 other cases.
    public static let shapeCount = 21

    public mutating func message() -> PeerMessage { message(shape: rng.int(in: 0...(Self.shapeCount - 1))) }

    public mutating func message(shape: Int) -> PeerMessage {
        switch shape {
        case 0..<12: return .raft(Message(from: u64(), to: u64(), term: u64(), kind: kind(shape)))
        case 12: return .forward(command: bytes(), hops: Int(truncatingIfNeeded: u64()))
        case 13: return .ping(sequence: u64())
        case 14: return .pong(sequence: u64())
        case 15: return .majorityPropose(write())
        case 16: return .majorityVote(sequence: u64(), accept: bool())
        case 17: return .majorityCommit(write())
        case 18: return .majoritySyncRequest
        case 19: return .majoritySync((0..<rng.int(in: 0...4)).map { _ in write() })
        default:
            var members: [String: String] = [:]
            for _ in 0..<rng.int(in: 0...5) { members[string()] = string() }
            return .majorityMembers(version: u64(), members: members)
        }
    }

    public mutating func kind(_ shape: Int) -> Message.Kind {
        switch shape {
        case 0: return .preVote(lastIndex: u64(), lastTerm: u64())
        case 1: return .preVoteResponse(granted: bool())
        case 2: return .vote(lastIndex: u64(), lastTerm: u64(), leadershipTransfer: bool())
        case 3: return .voteResponse(granted: bool())
        case 4:
            let entries = (0..<rng.int(in: 0...5)).map { _ in
                Entry(term: u64(), index: u64(), kind: rng.pick([.normal, .noop, .configChange]), data: bytes())
            }
            return .append(prevIndex: u64(), prevTerm: u64(), entries: entries, commit: u64())
        case 5: return .appendResponse(success: bool(), index: u64(), hintIndex: u64(), hintTerm: u64())
        case 6: return .heartbeat(commit: u64(), readSequence: u64())
        case 7: return .heartbeatResponse(readSequence: u64())
        case 8: return .installSnapshot(snapshot(dataBytesMax: 300))
        case 9: return .timeoutNow
        case 10: return .readIndex(context: u64())
        default: return .readIndexResponse(context: u64(), index: u64())
        }
    }

    public mutating func snapshot(dataBytesMax: Int) -> Snapshot {
        var ids = Set<NodeID>()
        for _ in 0..<rng.int(in: 0...6) { ids.insert(rng.next() | 1) }
        let voters = ids.filter { _ in bool() }
        let metadata = SnapshotMetadata(
            index: u64(), term: u64(),
            configuration: Configuration(voters: voters, learners: ids.subtracting(voters)))
        return Snapshot(metadata: metadata, data: bytes(max: dataBytesMax))
    }

    public mutating func write() -> MajorityWrite {
        MajorityWrite(key: string(), value: bytes(), stamp: WriteStamp(lamport: u64(), node: u64()), sequence: u64())
    }

    public mutating func u64() -> UInt64 {
        switch rng.int(in: 0...4) {
        case 0: return 0
        case 1: return UInt64.max
        case 2: return UInt64(rng.int(in: 1...1000))
        default: return rng.next()
        }
    }

    public mutating func bool() -> Bool { rng.chance(0.5) }

    public mutating func bytes(max: Int = 64) -> [UInt8] {
        (0..<rng.int(in: 0...max)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    public mutating func string() -> String {
        let pieces = ["", "a", "key", "n1", "127.0.0.1:7001", "é", "ключ", "🙂", " ", "/v1/kv"]
        return (0..<rng.int(in: 0...3)).map { _ in rng.pick(pieces) }.joined()
    }
}
