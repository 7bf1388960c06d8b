import Consensus

/// Leader election for applications, built on ``DistributedLock``: candidates campaign with a
/// value, one of them leads at a time, everybody can see who leads and with what value, and every
/// term comes with a **fencing token**. Like etcd's `concurrency.Election`, but fenced.
///
/// This elects one of *your programs* (a scheduler, a game host, a cron runner), not a Raft
/// member: the lesson's `startGame` checks `consensus.isLeader()`, which says whether this Raft
/// member leads the log, not whether this program should act; any number of programs may share a
/// member, and Raft leadership moves on its own. Campaign instead, and act only while elected.
///
/// **How it works.** A term is a grant of the lock `election/<name>` (holder: the candidate) with
/// the election's TTL; the leader renews it (``Leadership/renew()``) and ``Leadership/resign()``
/// releases it. Once elected, the candidate publishes `{"candidate", "value", "token"}` under the
/// key `election/<name>` with compare-and-swaps that never replace a record with a larger token
/// (``ElectionRecordWrite``): a deposed leader cannot overwrite its successor's record. Observers
/// read that key (``observe()``, ``leader()``).
///
/// **Why the token matters.** A leader can be paused (GC, a swapped-out process, a long network
/// delay) past its TTL without noticing. Meanwhile another candidate is elected. When the old
/// leader wakes up it still *believes* it leads and acts: two leaders. No check on the client
/// closes this gap, since the pause can strike right after the check. The new term's token is
/// larger, so a resource that remembers the highest token it has seen (``FencedResource``,
/// ``Fence``) refuses the old leader once the new one has written.
///
/// **Guarantees** (raft): at most one term is live at any point of the log (the lock's mutual
/// exclusion), tokens strictly increase across terms, and the token stored in the published
/// record never decreases. **Mechanism**: raft only; with simple_majority every call throws
/// ``RecipeError/needsRaft(recipe:)``.
///
/// ```swift
/// let election = LeaderElection("game", candidate: "host-3", on: node, ttl: .seconds(5))
/// let term = try await election.campaign(value: "10.0.0.3:7000", wait: .seconds(60))
/// try await scoreboard.write("playing", token: term.token)   // a FencedResource
/// try await term.resign()
/// ```
public struct LeaderElection: Sendable {
    /// The prefix of an election's record key and lock name: `election/<name>`.
    public static let prefix = "election/"

    /// The election's name.
    public let name: String
    /// This candidate's unique name (the lock's holder).
    public let candidate: String
    /// The member proposals go through.
    public let node: ConsensusTrait
    /// How long a term lasts unless renewed (at least 1 ms).
    public var ttl: Duration
    /// The backoff between attempts while waiting to be elected.
    public var retry: RetryPolicy

    /// The key under which the leader's record is published.
    public var key: String { Self.prefix + name }
    /// The name of the lock whose grants are the terms.
    public var lockName: String { Self.prefix + name }

    /// Creates a handle; nothing is proposed until ``campaign(value:wait:)``.
    /// - Parameters:
    ///   - name: the election's name.
    ///   - candidate: this candidate's unique name.
    ///   - node: the member to go through.
    ///   - ttl: how long a term lasts unless renewed.
    ///   - retry: the backoff while waiting.
    public init(_ name: String, candidate: String, on node: ConsensusTrait, ttl: Duration = .seconds(10),
                retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(200))) {
        self.name = name
        self.candidate = candidate
        self.node = node
        self.ttl = ttl
        self.retry = retry
    }

    /// Campaigns until elected (or the wait ends), then publishes `value` as the leader's.
    ///
    /// Campaigning again while leading returns the same term (same token), extended, with the
    /// new value published.
    /// - Parameters:
    ///   - value: what observers see as the leader's value (an address, a role...).
    ///   - wait: `nil` to try once; otherwise how long to keep trying.
    /// - Returns: the term, with its fencing token.
    /// - Throws: ``RecipeError/notElected(election:waited:)`` when another candidate led until
    ///   the wait ended; ``RecipeError/leadershipLost(election:token:)`` if a newer term published
    ///   before this one could (it was paused past its TTL); the lock's errors
    ///   (``RecipeError/outcomeUnknown(key:reason:)``, ``RecipeError/notApplied(key:reason:)``).
    ///   When the value could not be published, the term is released before throwing.
    public func campaign(value: ConsensusValue, wait: Duration? = nil) async throws(RecipeError) -> Leadership {
        try node.requireRaft("LeaderElection")
        let lock = DistributedLock(lockName, holder: candidate, on: node, retry: retry)
        let clock = RecipeClock(node.clock)
        let lease: LockLease
        do throws(RecipeError) {
            lease = try await lock.acquireLease(ttl: ttl, wait: wait, clock: clock)
        } catch .lockNotAcquired(_, let waited) {
            throw .notElected(election: name, waited: waited)
        }
        do throws(RecipeError) {
            let mine = ElectionLeader(candidate: candidate, value: value, token: lease.grant.token)
            try await Self.write(.publish(mine), key: key, on: node, election: name)
        } catch {
            _ = await node.outcome(ofRecipe: lease.release)
            throw error
        }
        return Leadership(election: name, value: value, lease: lease, clock: clock, node: node)
    }

    /// Who leads now, read linearizably (never older than a change that completed before the
    /// call): `nil` if nobody does (the last leader resigned, or its term lapsed in store time).
    /// Right after an election, before the new leader has published its value, the answer has
    /// the new leader's name and token and a `nil` value.
    ///
    /// Expiry is judged as for locks (``ConsensusTrait/heldLock(_:)``): against the store's
    /// clock, which moves with each applied entry. On an idle cluster a term whose TTL has just
    /// passed is still reported until the next entry is applied; the token, not this answer, is
    /// what keeps a deposed leader from acting.
    public func leader() async throws(RecipeError) -> ElectionLeader? {
        try node.requireRaft("LeaderElection")
        do {
            try await node.linearizableBarrier()
        } catch {
            throw .notApplied(key: key, reason: "cannot read: \(error)")
        }
        // The record first: the grant read after it is at least as new, so a record never
        // appears newer than the term it is compared with.
        let record = await node.versioned(key)?.value
        return ElectionLeader.current(record: record, grant: await node.heldLock(lockName))
    }

    /// Ends this candidate's term with `token`: withdraws the published record if it is still
    /// that term's, then releases the election's lock, so the next waiting candidate is elected
    /// without waiting for the TTL. For a process that kept only the token (an HTTP client);
    /// with a ``Leadership`` call ``Leadership/resign()``.
    /// - Returns: `true` if this call freed the election; `false` if that term had already
    ///   lapsed or the token is not this candidate's (nothing was changed then).
    /// - Throws: what the withdrawal or the release throws when they get no answer (the term
    ///   then ends at the latest when its TTL passes).
    @discardableResult
    public func resign(token: UInt64) async throws(RecipeError) -> Bool {
        try node.requireRaft("LeaderElection")
        var withdrawal: RecipeError?
        do throws(RecipeError) {
            let mine = ElectionLeader(candidate: candidate, value: nil, token: token)
            try await Self.write(.withdraw(mine), key: key, on: node, election: name)
        } catch {
            withdrawal = error
        }
        let released = await node.outcome(ofRecipe: .lockRelease(name: lockName, holder: candidate, token: token))
        if let withdrawal { throw withdrawal }
        switch try released.answer(key: lockName).result {
        case .lockReleased(let freed): return freed
        case let other: throw .rejected(key: lockName, reason: "unexpected answer \(other)")
        }
    }

    /// Performs the writes of an ``ElectionRecordWrite``.
    /// - Throws: ``RecipeError/leadershipLost(election:token:)`` when a newer term has published.
    static func write(_ goal: ElectionRecordWrite.Goal, key: String, on node: ConsensusTrait,
                      election: String) async throws(RecipeError) {
        var machine = ElectionRecordWrite(key: key, goal: goal)
        var next = machine.start(current: await node.versioned(key)?.value)
        while true {
            switch next {
            case .write(let operation):
                next = machine.answer(await node.outcome(ofRecipe: operation))
            case .done:
                return
            case .deposed:
                switch goal {
                case .publish(let mine), .withdraw(let mine):
                    throw .leadershipLost(election: election, token: mine.token)
                }
            case .failed(let error):
                throw error
            }
        }
    }
}
