import ConsensusCore

/// Raft messages on the wire: one frame type per ``Message/Kind``; the payload is the header
/// (from, to, term) then the kind's fields (see ``PeerFrameType``).
extension Message {
    var frameType: PeerFrameType {
        switch kind {
        case .preVote: return .preVote
        case .preVoteResponse: return .preVoteResponse
        case .vote: return .vote
        case .voteResponse: return .voteResponse
        case .append: return .append
        case .appendResponse: return .appendResponse
        case .heartbeat: return .heartbeat
        case .heartbeatResponse: return .heartbeatResponse
        case .installSnapshot: return .installSnapshot
        case .timeoutNow: return .timeoutNow
        case .readIndex: return .readIndex
        case .readIndexResponse: return .readIndexResponse
        }
    }

    func write(to w: inout LittleEndian.Writer) {
        w.u64(from)
        w.u64(to)
        w.u64(term)
        switch kind {
        case let .preVote(lastIndex, lastTerm):
            w.u64(lastIndex)
            w.u64(lastTerm)
        case let .preVoteResponse(granted), let .voteResponse(granted):
            w.bool(granted)
        case let .vote(lastIndex, lastTerm, leadershipTransfer):
            w.u64(lastIndex)
            w.u64(lastTerm)
            w.bool(leadershipTransfer)
        case let .append(prevIndex, prevTerm, entries, commit):
            w.u64(prevIndex)
            w.u64(prevTerm)
            w.u64(commit)
            w.list(entries) { w, entry in
                w.u64(entry.term)
                w.u64(entry.index)
                w.u8(entry.kind.rawValue)
                w.blob(entry.data)
            }
        case let .appendResponse(success, index, hintIndex, hintTerm):
            w.bool(success)
            w.u64(index)
            w.u64(hintIndex)
            w.u64(hintTerm)
        case let .heartbeat(commit, readSequence):
            w.u64(commit)
            w.u64(readSequence)
        case let .heartbeatResponse(readSequence):
            w.u64(readSequence)
        case let .installSnapshot(snapshot):
            w.snapshotMetadata(snapshot.metadata)
            w.blob(snapshot.data)
        case .timeoutNow:
            break
        case let .readIndex(context):
            w.u64(context)
        case let .readIndexResponse(context, index):
            w.u64(context)
            w.u64(index)
        }
    }

    /// The message of frame type `type`, or nil when `type` is not a Raft message.
    static func read(
        _ type: PeerFrameType, from r: inout LittleEndian.Reader
    ) throws(LittleEndian.Malformed) -> Message? {
        guard type.isRaftMessage else { return nil }
        let from = try r.u64(), to = try r.u64(), term = try r.u64()
        return Message(from: from, to: to, term: term, kind: try readKind(type, from: &r))
    }

    private static func readKind(
        _ type: PeerFrameType, from r: inout LittleEndian.Reader
    ) throws(LittleEndian.Malformed) -> Kind {
        switch type {
        case .preVote:
            let lastIndex = try r.u64(), lastTerm = try r.u64()
            return .preVote(lastIndex: lastIndex, lastTerm: lastTerm)
        case .preVoteResponse:
            return .preVoteResponse(granted: try r.bool())
        case .vote:
            let lastIndex = try r.u64(), lastTerm = try r.u64(), transfer = try r.bool()
            return .vote(lastIndex: lastIndex, lastTerm: lastTerm, leadershipTransfer: transfer)
        case .voteResponse:
            return .voteResponse(granted: try r.bool())
        case .append:
            let prevIndex = try r.u64(), prevTerm = try r.u64(), commit = try r.u64()
            let entries = try r.list(itemBytesMin: 25) { r throws(LittleEndian.Malformed) in
                try readEntry(from: &r)
            }
            return .append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit)
        case .appendResponse:
            let success = try r.bool(), index = try r.u64(), hintIndex = try r.u64(), hintTerm = try r.u64()
            return .appendResponse(success: success, index: index, hintIndex: hintIndex, hintTerm: hintTerm)
        case .heartbeat:
            let commit = try r.u64(), readSequence = try r.u64()
            return .heartbeat(commit: commit, readSequence: readSequence)
        case .heartbeatResponse:
            return .heartbeatResponse(readSequence: try r.u64())
        case .installSnapshot:
            let metadata = try r.snapshotMetadata()
            return .installSnapshot(Snapshot(metadata: metadata, data: try r.blob()))
        case .timeoutNow:
            return .timeoutNow
        case .readIndex:
            return .readIndex(context: try r.u64())
        case .readIndexResponse:
            let context = try r.u64(), index = try r.u64()
            return .readIndexResponse(context: context, index: index)
        default:
            throw LittleEndian.Malformed(description: "\(type) is not a Raft message")
        }
    }

    private static func readEntry(from r: inout LittleEndian.Reader) throws(LittleEndian.Malformed) -> Entry {
        let term = try r.u64(), index = try r.u64(), rawKind = try r.u8()
        guard let kind = EntryKind(rawValue: rawKind) else {
            throw LittleEndian.Malformed(description: "unknown entry kind \(rawKind)")
        }
        return Entry(term: term, index: index, kind: kind, data: try r.blob())
    }
}
