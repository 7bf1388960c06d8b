import ConsensusCore
import ConsensusNetwork

/// Identifies one client request to a ``NodeStateMachine``: the shell picks it, and the machine
/// answers it exactly once with ``NodeDirective/answer(_:_:)``.
public struct RequestID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: RequestID, b: RequestID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "req-\(rawValue)" }
}

/// What a client asks one member.
public enum NodeRequest: Sendable, Hashable {
    /// Propose a state machine operation (put, delete, compare-and-swap, transaction, lock, counter).
    /// Any member accepts it; followers forward it to the leader.
    case propose(StoreOperation)
    /// Read `key`: `.local` answers at once from this member's applied state; `.linearizable`
    /// answers after a ReadIndex round (§6.4) once this member has applied the read point.
    case read(key: String, consistency: ReadConsistency)
    /// Wait until this member has applied everything committed before now (ReadIndex).
    case barrier
    /// Add a member (raft: record, learner, catch up, promote; simple_majority: tell everyone).
    case addNode(NodeInfo)
    /// Remove a member.
    case removeNode(String)
    /// Hand leadership to another voter (raft, on the leader).
    case transferLeadership(to: String)
    /// simple_majority: this member's vote on a pending proposal (the `.manual` policy).
    case vote(proposalID: String, accept: Bool)
}

/// What the machine answers to a ``NodeRequest``.
public enum NodeResponse: Sendable, Hashable {
    /// The outcome of a proposal. Refusals the state machine decided (a failed compare-and-swap)
    /// are answers too: `accepted == false` with the state machine's `result`.
    case proposal(ProposalResult)
    /// The value of the key read (`nil`: absent), with the index it was read at.
    case value(KeyValueStore.Versioned?, appliedIndex: UInt64)
    /// The request is done (a barrier, a membership change, a vote).
    case done
}

/// Every input a ``NodeStateMachine`` takes. Each comes with the time it happened (see
/// ``NodeStateMachine/handle(_:at:)``).
public enum NodeInput: Sendable {
    /// Start (or restart) from what storage holds; `nil`: storage is empty, so found the cluster
    /// (or wait to be added) per ``ConsensusConfiguration/bootstrap``.
    case start(PersistentState?)
    /// A client request.
    case request(RequestID, NodeRequest)
    /// A message from a peer (by name).
    case message(from: String, PeerMessage)
    /// The clock's regular beat (every ``ConsensusConfiguration/tickInterval``).
    case tick
    /// A wake-up the machine asked for with ``NodeDirective/wakeUp(after:)`` (a batch window ended).
    case wakeUp
    /// raft: start an election now, as if the election timeout had passed (pre-vote first), like
    /// etcd's `MsgHup`. For the step mode, where a learner drives elections by hand; a leader, a
    /// learner and a simple_majority member ignore it.
    case campaign
    /// The last ``NodeDirective/persist(_:)`` is durable.
    case persisted
    /// A storage write (persist or snapshot) failed: the member halts.
    case storageFailed(String)
    /// The transport could not deliver to this peer (unreachable, queue full): etcd's
    /// `ReportUnreachable`. The machine counts it as not hearing from the peer.
    case sendFailed(to: String)
    /// Stop: every waiting request fails with ``ConsensusError/notRunning``.
    case stop
}
