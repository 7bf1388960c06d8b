import ConsensusCore

/// Cluster membership (the lesson's addNode / removeNode / getNodes), voting on simple_majority,
/// and what the member knows of the cluster.
extension ConsensusTrait {
    /// Adds a member.
    ///
    /// raft (call on the leader): records its address and metadata in the replicated state, adds
    /// it as a learner, waits until it has answered and caught up with the log, then promotes it
    /// to voter. The new node must be running (started with `bootstrap: .join`) and reachable;
    /// one that never answers stays a learner and the call fails.
    /// simple_majority: every member is told of the new member.
    public func addNode(_ info: NodeInfo) async throws(ConsensusError) {
        if case .failure(let error) = await call(.addNode(info)) { throw error }
    }

    /// Removes a member through consensus (raft) or from every member's view (simple_majority).
    /// Removing the raft leader itself is allowed: it leads until the change commits, then steps down.
    public func removeNode(_ name: String) async throws(ConsensusError) {
        if case .failure(let error) = await call(.removeNode(name)) { throw error }
    }

    /// Hands leadership to another voter (raft, on the leader).
    public func transferLeadership(to name: String) async throws(ConsensusError) {
        if case .failure(let error) = await call(.transferLeadership(to: name)) { throw error }
    }

    /// Every member (voters and learners) with its address, role and whether it is reachable.
    public var nodes: [NodeStatus] { machine.nodes }

    /// The leader this node knows of, if any.
    public var leader: NodeInfo? { machine.leaderInfo }

    /// Whether this node leads.
    public var isLeader: Bool { machine.raft?.isLeader ?? false }

    /// The partition this node is in, if it cannot reach every member.
    public var currentPartition: PartitionInfo? { machine.currentPartition }

    /// Whether this node can reach a majority of the voters (itself included).
    public var hasQuorum: Bool { machine.currentPartition?.side != .minority }

    /// A picture of this node's state.
    public var debugState: DebugState { machine.debugState }

    // MARK: - simple_majority voting

    /// Sets how this member votes on proposals it receives (and on its own).
    public func setVotePolicy(_ policy: VotePolicy) { machine.setVotePolicy(policy) }

    /// Proposals waiting for this member's vote (with the `.manual` policy).
    public var pendingProposals: [PendingProposal] { machine.pendingProposals }

    /// Votes on a pending proposal by hand.
    public func vote(_ proposalID: String, accept: Bool) async throws(ConsensusError) {
        if case .failure(let error) = await call(.vote(proposalID: proposalID, accept: accept)) { throw error }
    }
}
