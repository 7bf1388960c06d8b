/// The identifier of a cluster member. `0` is never a valid member: it means "none".
public typealias NodeID = UInt64

/// A Raft term (§5.1): a logical clock that only moves forward.
public typealias Term = UInt64

/// A position in the replicated log. The first entry has index 1; index 0 is "before the log".
public typealias LogIndex = UInt64
