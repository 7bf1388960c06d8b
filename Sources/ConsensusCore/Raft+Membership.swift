/// Membership changes through the log, one server at a time (§4.1 of the dissertation).
///
/// A configuration entry carries the whole resulting configuration (``ConfigChangeEntry``).
/// A configuration takes effect on every node as soon as its entry is in that node's log,
/// committed or not; if the entry is overwritten, the node falls back to the previous one. A
/// leader accepts a change only when the previous one has committed and it has committed an entry
/// of its own term (the fix to the single-server algorithm published on raft-dev in 2015).
extension Raft {
    /// Proposes a membership change. Returns the log index of the change.
    @discardableResult
    public mutating func proposeConfigChange(_ change: ConfigChange) throws(RaftError) -> LogIndex {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard leadTransferee == nil else { throw .transferInProgress }
        guard log.term(at: log.committed) == term, lastConfigurationIndex <= log.committed else {
            throw .configChangeInProgress
        }
        let next: Configuration
        switch configuration.applying(change) {
        case .success(let c): next = c
        case .failure(let error): throw .invalidConfigChange(error)
        }
        let record = ConfigChangeEntry(change: change, configuration: next)
        appendAsLeader([Entry(term: term, index: 0, kind: .configChange, data: record.encoded())])
        broadcastAppend()
        return log.lastIndex
    }

    /// The index of the latest configuration change in the log (or the snapshot boundary).
    public var lastConfigurationIndex: LogIndex { configHistory.last?.index ?? log.snapshotIndex }

    /// The configuration in force at `index` (which must not be before the snapshot).
    func configuration(at index: LogIndex) -> Configuration {
        precondition(index >= log.snapshotIndex, "configuration before the snapshot is unknown")
        return configHistory.last(where: { $0.index <= index })?.configuration ?? snapshotConfiguration
    }

    /// Recomputes the configuration after the log changed from `index` on.
    mutating func rebuildConfiguration(from index: LogIndex) {
        configHistory.removeAll { $0.index >= index }
        var current = configHistory.last?.configuration ?? snapshotConfiguration
        if index <= log.lastIndex {
            for i in max(index, log.firstIndex)...log.lastIndex {
                let entry = log.entry(at: i)
                guard entry.kind == .configChange else { continue }
                guard let record = ConfigChangeEntry(encoded: entry.data) else {
                    preconditionFailure("undecodable configuration change at index \(i)")
                }
                current = record.configuration
                configHistory.append((i, current))
            }
        }
        setConfiguration(current)
    }

    private mutating func setConfiguration(_ new: Configuration) {
        guard new != configuration else { return }
        configuration = new
        guard role == .leader else {
            if role != .follower && !isPromotable { becomeFollower(term: term, leader: nil) }
            return
        }
        let members = new.members.filter { $0 != id }
        for peer in members where progress[peer] == nil {
            progress[peer] = Progress(next: log.lastIndex + 1, maxInflight: options.maxInflightMessages)
        }
        for peer in peers where !new.contains(peer) {
            progress[peer] = nil
        }
        peers = members.sorted()
        if let transferee = leadTransferee, !new.voters.contains(transferee) { leadTransferee = nil }
        // Fewer voters may mean a smaller quorum: something may commit now.
        if maybeCommit() { broadcastAppend() }
    }
}
