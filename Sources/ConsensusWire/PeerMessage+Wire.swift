import ConsensusCore
import ConsensusNetwork

/// Peer messages on the wire: a Raft message by its kind's type (``Message``), every other case
/// by its own type (see ``PeerFrameType``).
extension PeerMessage {
    var frameType: PeerFrameType {
        switch self {
        case .raft(let message): return message.frameType
        case .forward: return .forward
        case .ping: return .ping
        case .pong: return .pong
        case .majorityPropose: return .majorityPropose
        case .majorityVote: return .majorityVote
        case .majorityCommit: return .majorityCommit
        case .majoritySyncRequest: return .majoritySyncRequest
        case .majoritySync: return .majoritySync
        case .majorityMembers: return .majorityMembers
        }
    }

    func write(to w: inout LittleEndian.Writer) {
        switch self {
        case .raft(let message):
            message.write(to: &w)
        case let .forward(command, hops):
            w.int(hops)
            w.blob(command)
        case let .ping(sequence), let .pong(sequence):
            w.u64(sequence)
        case let .majorityPropose(write), let .majorityCommit(write):
            w.majorityWrite(write)
        case let .majorityVote(sequence, accept):
            w.u64(sequence)
            w.bool(accept)
        case .majoritySyncRequest:
            break
        case let .majoritySync(writes):
            w.list(writes) { $0.majorityWrite($1) }
        case let .majorityMembers(version, members):
            w.u64(version)
            w.list(members.sorted { $0.key < $1.key }) { w, member in
                w.string(member.key)
                w.string(member.value)
            }
        }
    }

    /// The message of frame type `type`, or nil when `type` is not a peer message.
    static func read(
        _ type: PeerFrameType, from r: inout LittleEndian.Reader
    ) throws(LittleEndian.Malformed) -> PeerMessage? {
        if let message = try Message.read(type, from: &r) { return .raft(message) }
        switch type {
        case .forward:
            let hops = try r.int()
            return .forward(command: try r.blob(), hops: hops)
        case .ping:
            return .ping(sequence: try r.u64())
        case .pong:
            return .pong(sequence: try r.u64())
        case .majorityPropose:
            return .majorityPropose(try r.majorityWrite())
        case .majorityVote:
            let sequence = try r.u64(), accept = try r.bool()
            return .majorityVote(sequence: sequence, accept: accept)
        case .majorityCommit:
            return .majorityCommit(try r.majorityWrite())
        case .majoritySyncRequest:
            return .majoritySyncRequest
        case .majoritySync:
            return .majoritySync(try r.list(itemBytesMin: 40) { r throws(LittleEndian.Malformed) in
                try r.majorityWrite()
            })
        case .majorityMembers:
            let version = try r.u64()
            let pairs = try r.list(itemBytesMin: 16) { r throws(LittleEndian.Malformed) in
                (try r.string(), try r.string())
            }
            var members: [String: String] = [:]
            for (name, address) in pairs {
                guard members.updateValue(address, forKey: name) == nil else {
                    throw LittleEndian.Malformed(description: "member \(name) listed twice")
                }
            }
            return .majorityMembers(version: version, members: members)
        default:
            return nil
        }
    }
}

extension LittleEndian.Writer {
    mutating func majorityWrite(_ value: MajorityWrite) {
        string(value.key)
        blob(value.value)
        u64(value.stamp.lamport)
        u64(value.stamp.node)
        u64(value.sequence)
    }
}

extension LittleEndian.Reader {
    mutating func majorityWrite() throws(Malformed) -> MajorityWrite {
        let key = try string(), value = try blob()
        let lamport = try u64(), node = try u64(), sequence = try u64()
        return MajorityWrite(key: key, value: value, stamp: WriteStamp(lamport: lamport, node: node), sequence: sequence)
    }
}
