/// What goes into a log entry: one operation, who proposed it, and the leader's time.
public struct Command: Sendable, Hashable, Codable {
    /// Identifies the proposal, so the proposer can match the committed entry to its caller.
    public var id: ProposalID
    /// Store milliseconds, stamped by the LEADER when it proposes, from its ``LeaderClock``
    /// (leader-counted time since the cluster's first leader, standing still between leaders; not
    /// milliseconds since 1970). The store keeps its own clock = max(previous clock, command.time)
    /// so time is monotonic along the log and identical on every member.
    public var time: Int64
    /// The state change to apply.
    public var operation: StoreOperation

    /// Creates a command.
    /// - Parameters:
    ///   - id: the proposal id.
    ///   - time: the leader's stamp in store milliseconds (``LeaderClock/now``).
    ///   - operation: the state change.
    public init(id: ProposalID, time: Int64, operation: StoreOperation) {
        self.id = id
        self.time = time
        self.operation = operation
    }
}
