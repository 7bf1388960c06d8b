/// The type byte of a frame: which value its payload holds. The codes are part of the wire
/// format and never change meaning.
///
/// Payloads (after the 6-byte header; see ``PeerWire`` for the primitive encodings):
///
/// | code | type | payload |
/// | --- | --- | --- |
/// | 0x01 | ``handshake`` | protocolVersion u8, clusterID string, nodeName string |
/// | 0x10–0x1B | Raft messages | from u64, to u64, term u64, then the kind's fields (below) |
/// | 0x1C | ``snapshotChunk`` | from, to, term u64; snapshot index, term u64; voters, learners (u64 lists); total u64, offset u64, data bytes |
/// | 0x20 | ``forward`` | hops u64 (two's complement of the `Int`), command bytes |
/// | 0x21 / 0x22 | ``ping`` / ``pong`` | sequence u64 |
/// | 0x30 / 0x32 | ``majorityPropose`` / ``majorityCommit`` | a write: key string, value bytes, lamport u64, node u64, sequence u64 |
/// | 0x31 | ``majorityVote`` | sequence u64, accept bool |
/// | 0x33 | ``majoritySyncRequest`` | nothing |
/// | 0x34 | ``majoritySync`` | a list of writes |
/// | 0x35 | ``majorityMembers`` | version u64, a list of (name string, address string), sorted by name |
///
/// Raft kinds: `preVote` (lastIndex, lastTerm), `preVoteResponse` (granted bool), `vote`
/// (lastIndex, lastTerm, leadershipTransfer bool), `voteResponse` (granted), `append` (prevIndex,
/// prevTerm, commit, then a list of entries: term, index, kind u8, data bytes), `appendResponse`
/// (success bool, index, hintIndex, hintTerm), `heartbeat` (commit, readSequence),
/// `heartbeatResponse` (readSequence), `installSnapshot` (index, term, voters, learners, data
/// bytes), `timeoutNow` (nothing), `readIndex` (context), `readIndexResponse` (context, index).
///
/// Codes 0x02–0x0F are reserved for the connection's opening exchange (challenge, refusal):
/// see ``OpeningFrameType``, read beside these by ``ConnectionFrameDecoder``.
public enum PeerFrameType: UInt8, Sendable, Hashable, CaseIterable {
    case handshake = 0x01

    case preVote = 0x10
    case preVoteResponse = 0x11
    case vote = 0x12
    case voteResponse = 0x13
    case append = 0x14
    case appendResponse = 0x15
    case heartbeat = 0x16
    case heartbeatResponse = 0x17
    case installSnapshot = 0x18
    case timeoutNow = 0x19
    case readIndex = 0x1A
    case readIndexResponse = 0x1B
    case snapshotChunk = 0x1C

    case forward = 0x20
    case ping = 0x21
    case pong = 0x22

    case majorityPropose = 0x30
    case majorityVote = 0x31
    case majorityCommit = 0x32
    case majoritySyncRequest = 0x33
    case majoritySync = 0x34
    case majorityMembers = 0x35
}

extension PeerFrameType {
    /// Whether the frame holds a Raft ``ConsensusCore/Message`` (codes 0x10–0x1B).
    public var isRaftMessage: Bool { (0x10...0x1B).contains(rawValue) }
}
