import Consensus

/// One of the lesson's events as JSON, for `GET /v1/events`: `{"type": "leader_elected",
/// "leader": "n1", "term": 3}` and so on (only the fields of that event are present).
struct EventJSON: Encodable {
    var type: String
    var member: String
    var leader: String?
    var term: UInt64?
    var key: String?
    var newValue: ConsensusValue?
    var oldValue: ConsensusValue?
    var peer: String?
    var side: String?
    var reachable: [String]?
    var unreachable: [String]?
    var index: UInt64?
    var proposal: ProposalReply?
    var reason: String?

    init(_ event: ConsensusEvent, member: String) {
        self.member = member
        switch event {
        case let .leaderElected(leader, term):
            type = "leader_elected"; self.leader = leader; self.term = term
        case let .stateChanged(key, newValue, oldValue):
            type = "state_changed"; self.key = key; self.newValue = newValue; self.oldValue = oldValue
        case .nodeUnreachable(let peer):
            type = "node_unreachable"; self.peer = peer
        case .nodeReconnected(let peer):
            type = "node_reconnected"; self.peer = peer
        case .partitionDetected(let info):
            type = "partition_detected"; side = info.side.rawValue; reachable = info.reachable; unreachable = info.unreachable
        case .partitionHealed:
            type = "partition_healed"
        case let .voteRequested(from, term):
            type = "vote_requested"; peer = from; self.term = term
        case let .voteGranted(to, term):
            type = "vote_granted"; peer = to; self.term = term
        case let .voteRefused(to, term, reason):
            type = "vote_refused"; peer = to; self.term = term; self.reason = reason
        case let .logAppended(term, index, key):
            type = "log_appended"; self.term = term; self.index = index; self.key = key
        case .consensusAccepted(let result):
            type = "consensus_accepted"; key = result.key; proposal = ProposalReply(result)
        }
    }
}

/// One change of a watched key, for `GET /v1/watch/{key}`.
struct WatchJSON: Encodable {
    var key: String
    var value: ConsensusValue?
    var deleted: Bool
    /// The log index of the entry that made the change (absent with simple_majority: no log).
    var revision: UInt64?
}
