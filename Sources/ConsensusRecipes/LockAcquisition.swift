import Consensus

/// The decisions of ``DistributedLock/acquire(ttl:wait:)``, as a pure step machine: what to
/// propose, what an answer means, whether to keep waiting. Time is whatever monotonic clock the
/// caller reads, in milliseconds; the machine never reads a clock itself, so the async recipe and
/// the deterministic simulator drive the very same logic.
///
/// **The caller's own deadline.** A grant lasts `ttl` of *store* time from when the leader stamped
/// the request, which is after the request was sent; so on the caller's clock the grant surely
/// lasts until `sent + ttl`, less 1 ms for rounding. (A monotonic clock is used: it does not
/// jump. The rate difference between the caller's and the leader's monotonic clocks, tens of
/// parts per million, is not covered: over a 10 s TTL that is about a millisecond.) An answer that
/// arrives after that moment is useless, even though the state machine granted it: the caller
/// cannot know whether the grant is still live. Such a late grant is **not** handed out: the
/// machine asks for it to be released (so that others need not wait out its TTL) and keeps
/// waiting, or gives up at the deadline.
public struct LockAcquisition: Sendable, Hashable {
    /// The lock's name.
    public let name: String
    /// Who asks.
    public let holder: String
    /// The TTL asked for, in store milliseconds.
    public let ttlMilliseconds: Int64
    /// Until when to keep trying (caller's clock); the start time when not waiting.
    public let deadline: Int64
    /// When the acquisition started (caller's clock).
    public let startedAt: Int64
    /// Requests sent so far.
    public private(set) var attempts = 0
    private var sentAt: Int64
    /// Tokens of late grants this acquisition asked to release. A retry by the same holder can
    /// find such a grant still live and get it back extended, while the release is still on its
    /// way; that grant is not handed out either (the release would free it under the caller).
    private var abandoned: Set<UInt64> = []

    /// What to do after an answer.
    public enum Next: Sendable, Hashable {
        /// The lock is ours; the lease says until when, on the caller's clock.
        case granted(LockLease)
        /// Not granted yet: wait a backoff after attempt `afterAttempt` (never past ``deadline``)
        /// and ``request(now:)`` again. If `release` is set, first release that grant: it came
        /// too late to be used.
        case again(afterAttempt: Int, release: LockGrant?)
        /// Give up (if `release` is set, release that late grant first).
        case failed(RecipeError, release: LockGrant?)
    }

    /// Starts an acquisition at `now`.
    /// - Parameters:
    ///   - name: the lock.
    ///   - holder: who asks (unique per contender).
    ///   - ttlMilliseconds: the TTL to ask for (at least 1).
    ///   - waitMilliseconds: `nil` to try once; otherwise how long to keep trying.
    ///   - now: the caller's clock.
    public init(name: String, holder: String, ttlMilliseconds: Int64, waitMilliseconds: Int64?, now: Int64) {
        self.name = name
        self.holder = holder
        self.ttlMilliseconds = max(1, ttlMilliseconds)
        self.startedAt = now
        self.deadline = now + max(0, waitMilliseconds ?? 0)
        self.sentAt = now
    }

    /// The request to send now.
    public mutating func request(now: Int64) -> StoreOperation {
        attempts += 1
        sentAt = now
        return .lockAcquire(name: name, holder: holder, ttlMilliseconds: ttlMilliseconds)
    }

    /// Decides what the answer to the last request, heard at `now`, means.
    public mutating func answer(_ outcome: ProposalOutcome, now: Int64) -> Next {
        let waitedLong = now >= deadline
        let result: OperationResult
        do {
            result = try outcome.answer(key: name).result
        } catch {
            // An unknown outcome may have been a grant: asking again as the same holder is safe
            // (the state machine answers the current holder with its grant, extended).
            if case .outcomeUnknown = error, !waitedLong { return .again(afterAttempt: attempts, release: nil) }
            return .failed(error, release: nil)
        }
        guard case .lock(let grant) = result else {
            return .failed(.rejected(key: name, reason: "unexpected answer \(result)"), release: nil)
        }
        if let grant {
            let validUntil = LockLease.validUntil(sentAt: sentAt, ttlMilliseconds: ttlMilliseconds)
            if now < validUntil && !abandoned.contains(grant.token) {
                return .granted(LockLease(grant: grant, validUntil: validUntil, ttlMilliseconds: ttlMilliseconds))
            }
            // Granted, but heard after our own TTL (it may have lapsed already), or a grant we
            // already gave up: release it, and keep waiting for a grant of our own.
            abandoned.insert(grant.token)
            if waitedLong { return .failed(.lockNotAcquired(name: name, waited: .milliseconds(now - startedAt)), release: grant) }
            return .again(afterAttempt: attempts, release: grant)
        }
        if waitedLong { return .failed(.lockNotAcquired(name: name, waited: .milliseconds(now - startedAt)), release: nil) }
        return .again(afterAttempt: attempts, release: nil)
    }
}

/// A grant as its holder sees it: the grant, and until when on the holder's own (monotonic) clock
/// it surely lasts. Renewals move that moment later, never earlier (as the store never shortens a
/// grant on renewal); a holder must stop using the lock when
/// ``isValid(at:)`` turns false, and even before, should pass ``LockGrant/token`` to the
/// resource it protects (a pause can strike between the check and the write: see
/// ``FencedResource``).
public struct LockLease: Sendable, Hashable {
    /// The grant (its token never changes across renewals).
    public private(set) var grant: LockGrant
    /// Until when the grant surely lasts, on the holder's clock.
    public private(set) var validUntil: Int64
    /// The TTL each renewal asks for.
    public let ttlMilliseconds: Int64

    /// What a renewal's answer means.
    public enum Renewal: Sendable, Hashable {
        /// Extended: valid until the new ``LockLease/validUntil``.
        case renewed
        /// Refused: the grant lapsed or was taken over. Stop using the lock.
        case lost(RecipeError)
        /// No answer: the lease stands as it was (use ``LockLease/isValid(at:)``).
        case noAnswer(RecipeError)
    }

    /// A lease for `grant`, valid until `validUntil` on the holder's clock.
    public init(grant: LockGrant, validUntil: Int64, ttlMilliseconds: Int64) {
        self.grant = grant
        self.validUntil = validUntil
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Whether the holder may still act as the holder at `now`.
    public func isValid(at now: Int64) -> Bool { now < validUntil }

    /// The renewal to send.
    public var renewal: StoreOperation {
        .lockRenew(name: grant.name, holder: grant.holder, token: grant.token, ttlMilliseconds: ttlMilliseconds)
    }

    /// The release to send.
    public var release: StoreOperation {
        .lockRelease(name: grant.name, holder: grant.holder, token: grant.token)
    }

    /// Takes in the answer to a renewal sent at `sentAt`.
    public mutating func renewed(_ outcome: ProposalOutcome, sentAt: Int64) -> Renewal {
        let result: OperationResult
        do {
            result = try outcome.answer(key: grant.name).result
        } catch {
            if case .rejected = error { return .lost(error) }
            return .noAnswer(error)
        }
        guard case .lock(let renewed?) = result else { return .lost(.lockLost(name: grant.name, token: grant.token)) }
        grant = renewed
        validUntil = max(validUntil, Self.validUntil(sentAt: sentAt, ttlMilliseconds: ttlMilliseconds))
        return .renewed
    }

    /// Until when a grant made or renewed by a request sent at `sentAt` surely lasts: its TTL from
    /// the send, less 1 ms, because both the caller's clock and store time count whole
    /// milliseconds (rounded down), so each can be up to 1 ms behind the other.
    static func validUntil(sentAt: Int64, ttlMilliseconds: Int64) -> Int64 {
        sentAt + ttlMilliseconds - 1
    }
}
