/// One batch of work the core hands its caller. The caller performs it **in this order**, then
/// calls ``Raft/advance(_:)`` with the same value:
///
/// 1. **Persist**: if `snapshot` is set, write it; write `entries` (an entry replaces any stored
///    entry with the same or a higher index); if `hardState` is set, write it. Sync to stable
///    storage (one fsync for the whole batch is enough).
/// 2. **Send** `messages`. Only now: a vote or an acknowledgement must never leave before what it
///    promises is durable.
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

    public var isEmpty: Bool {
        softState == nil && hardState == nil && snapshot == nil && entries.isEmpty && messages.isEmpty
            && committedEntries.isEmpty && readStates.isEmpty
    }
}
