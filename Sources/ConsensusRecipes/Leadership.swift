import Consensus
import Synchronization

/// One term of leadership won by ``LeaderElection/campaign(value:wait:)``: the fencing token,
/// the published value and until when this process may act as the leader.
///
/// Pass ``token`` with every write the leader makes to a shared resource and let the resource
/// refuse tokens lower than the highest it has seen (``FencedResource``): a leader that was
/// paused past ``validUntil`` cannot tell that it was deposed, but its token is lower than the
/// next leader's.
///
/// ```swift
/// let term = try await election.campaign(value: "10.0.0.7:8080", wait: .seconds(30))
/// try await term.renew()                        // at least once per TTL, while leading
/// try await term.proclaim("10.0.0.7:9090")      // a new value, same term
/// try await term.resign()                       // the next candidate is elected at once
/// ```
public final class Leadership: Sendable {
    /// The election's name.
    public let election: String
    /// The leader (this candidate).
    public let candidate: String
    /// The term's fencing token: larger than every earlier term's.
    public let token: UInt64
    private let node: ConsensusTrait
    private let key: String
    /// The clock the lease's times are counted on (from the campaign).
    let clock: RecipeClock
    private let state: Mutex<State>

    private struct State: Sendable {
        var lease: LockLease
        var value: ConsensusValue
    }

    init(election: String, value: ConsensusValue, lease: LockLease, clock: RecipeClock, node: ConsensusTrait) {
        self.election = election
        self.candidate = lease.grant.holder
        self.token = lease.grant.token
        self.key = LeaderElection.prefix + election
        self.clock = clock
        self.node = node
        self.state = Mutex(State(lease: lease, value: value))
    }

    /// The value this leader published last.
    public var value: ConsensusValue { state.withLock { $0.value } }

    /// The term's lock grant as last answered (its `expiresAt` is in store time: see
    /// ``LockGrant/expiresAt``).
    public var grant: LockGrant { state.withLock { $0.lease.grant } }

    /// This leader as observers see it.
    public var leader: ElectionLeader { ElectionLeader(candidate: candidate, value: value, token: token) }

    /// Until when the term surely lasts, on the member's clock (``ConsensusTrait/clock``): the
    /// TTL counted from when the last successful renewal (or the campaign) was sent. Stop acting
    /// as the leader at this instant.
    public var validUntil: Duration { clock.origin + .milliseconds(state.withLock { $0.lease.validUntil }) }

    /// Whether this process may still act as the leader.
    public var isValid: Bool { state.withLock { $0.lease.isValid(at: clock.now) } }

    /// Extends the term by the election's TTL from now (a renewal never shortens it).
    /// - Throws: ``RecipeError/leadershipLost(election:token:)`` if the term already lapsed (a
    ///   new leader may have been elected); ``RecipeError/outcomeUnknown(key:reason:)`` or
    ///   ``RecipeError/notApplied(key:reason:)`` if the renewal got no answer (``isValid`` still
    ///   says how long the last good renewal covers).
    public func renew() async throws(RecipeError) {
        var lease = state.withLock { $0.lease }
        let sent = clock.now
        switch lease.renewed(await node.outcome(ofRecipe: lease.renewal), sentAt: sent) {
        case .renewed:
            renewed(lease)
        case .lost:
            throw .leadershipLost(election: election, token: token)
        case .noAnswer(let error):
            throw error
        }
    }

    /// The term's lease as last renewed.
    var lease: LockLease { state.withLock { $0.lease } }

    /// Takes in a renewed lease (a later one wins: renewals may answer out of order).
    func renewed(_ lease: LockLease) {
        state.withLock { if lease.validUntil > $0.lease.validUntil { $0.lease = lease } }
    }

    /// Publishes a new value for this term; observers see it at once.
    /// - Throws: ``RecipeError/leadershipLost(election:token:)`` if the term is no longer valid
    ///   here or a newer leader has published (nothing was written over it); the errors of a
    ///   compare-and-swap otherwise.
    public func proclaim(_ value: ConsensusValue) async throws(RecipeError) {
        guard isValid else { throw .leadershipLost(election: election, token: token) }
        let mine = ElectionLeader(candidate: candidate, value: value, token: token)
        try await LeaderElection.write(.publish(mine), key: key, on: node, election: election)
        state.withLock { $0.value = value }
    }

    /// Ends the term: withdraws the published record (only if it is still this term's) and frees
    /// the election, so the next waiting candidate is elected without waiting for the TTL.
    /// See ``LeaderElection/resign(token:)``.
    /// - Returns: `true` if this call freed the election; `false` if the term had already lapsed.
    @discardableResult
    public func resign() async throws(RecipeError) -> Bool {
        try await LeaderElection(election, candidate: candidate, on: node).resign(token: token)
    }
}
