/// One batch of work the core hands its caller. The caller performs it **in this order**, then
/// calls ``Raft/advance(_:)`` with the same value:
///
/// 1. **Persist**: if `snapshot` is set, write it; write `entries` (an entry replaces any stored
///    entry with the same or a higher index); if `hardState` is set, write it. Sync to stable
///    storage (one fsync for the whole batch is enough).
/// 2. **Send** `messages`. Only now: a vote or an acknowledgement must never leave before what it
///    promises is durable. The one exception is optional: ``messagesBeforePersisting`` (a leader's
///    replication) may leave *before* step 1, in parallel with the write; then send only
///    ``messagesAfterPersisting`` here.
/// 3. **Apply**: install `snapshot` into the state machine if set, then apply `committedEntries`
///    in order.
/// 4. **Serve reads**: each of `readStates` may be served once its index is applied.
/// 5. Call `advance`. Do not step the core between ``Raft/ready()`` and ``Raft/advance(_:)``.
public struct Ready: Sendable {
    public var softState: SoftState?
    public var hardState: HardState?
    public var snapshot: Snapshot?
    public var entries: [Entry]
    public var messages: [Message]
    public var committedEntries: [Entry]
    public var readStates: [ReadState]
    /// Whether step 1 must reach stable storage before step 2. False when all there is to write
    /// is a hard state whose commit index alone moved (term and vote are already durable): a
    /// commit index lost in a crash is learnt again from the leader, and the entries it covers
    /// are durable on a majority already. (etcd's `MustSync`.) Ignoring it and always syncing is
    /// safe, only slower.
    public var mustSync: Bool
    /// Whether a leader's replication messages may be sent before step 1 is durable: its term and
    /// vote are durable already (this batch does not change them). See
    /// ``messagesBeforePersisting``.
    public var replicationMayPrecedePersisting: Bool

    public init(
        softState: SoftState? = nil, hardState: HardState? = nil, snapshot: Snapshot? = nil, entries: [Entry] = [],
        messages: [Message] = [], committedEntries: [Entry] = [], readStates: [ReadState] = [],
        mustSync: Bool = true, replicationMayPrecedePersisting: Bool = false
    ) {
        self.softState = softState
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.messages = messages
        self.committedEntries = committedEntries
        self.readStates = readStates
        self.mustSync = mustSync
        self.replicationMayPrecedePersisting = replicationMayPrecedePersisting
    }

    /// The messages that may leave before step 1 is durable: a leader's AppendEntries,
    /// heartbeats and snapshots, when ``replicationMayPrecedePersisting``. The leader writes its
    /// log in parallel with replicating it (§10.2.1 of the dissertation): followers may persist
    /// and acknowledge the new entries first, and that is safe because the leader counts itself
    /// toward a majority only once ``Raft/advance(_:)`` says its own copy is durable. Votes and
    /// acknowledgements promise something about this member's disk: they always wait.
    public var messagesBeforePersisting: [Message] {
        replicationMayPrecedePersisting ? messages.filter(\.isReplication) : []
    }

    /// The messages to send in step 2 when ``messagesBeforePersisting`` were sent before step 1.
    public var messagesAfterPersisting: [Message] {
        replicationMayPrecedePersisting ? messages.filter { !$0.isReplication } : messages
    }

    public var isEmpty: Bool {
        softState == nil && hardState == nil && snapshot == nil && entries.isEmpty && messages.isEmpty
            && committedEntries.isEmpty && readStates.isEmpty
    }
}
