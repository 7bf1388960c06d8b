/// What a client asked for, in the checker's own small vocabulary (registers, counters, locks).
///
/// The checker does not import the runtime, so the runtime's operations are mapped onto these:
///
/// | Runtime (`StoreOperation` / read)              | `ModelAction`                                        |
/// |------------------------------------------------|------------------------------------------------------|
/// | `.put(key, value)`                             | `.put(key:value:)` with the value's canonical JSON   |
/// | linearizable read of `key`                     | `.get(key:)`                                         |
/// | `.delete(key)`                                 | `.delete(key:)`                                      |
/// | `.compareAndSwap(key, expected, new)`          | `.compareAndSwap(key:expected:new:)` (`nil` = absent)|
/// | `.counterAdd(name, delta)`                     | `.counterAdd(key:delta:)`                            |
/// | read of a counter key                          | `.counterRead(key:)`                                 |
/// | `.counterBatch(deltas)`                        | `.counterBatch(_:)`                                  |
/// | `.lockAcquire(name, holder, ttl)`              | `.lockAcquire(lock:holder:ttl:)`                     |
/// | `.lockRenew(name, holder, token, ttl)`         | `.lockRenew(lock:holder:token:ttl:)`                 |
/// | `.lockRelease(name, holder, token)`            | `.lockRelease(lock:holder:token:)`                   |
///
/// Values are strings: map a JSON-like value to its canonical text (sorted object keys, no
/// insignificant whitespace) so that equal values compare equal.
///
/// Registers, counters and locks are three separate namespaces: a register `"x"` and a counter
/// `"x"` are different resources (see ``ModelResource``). A key that the runtime uses both as a
/// counter and as a plain value should be mapped to register operations only.
public enum ModelAction: Sendable, Hashable {
    /// Writes `value` under the register `key`.
    case put(key: String, value: String)
    /// Reads the register `key`; answered by ``ModelOutput/value(_:)``.
    case get(key: String)
    /// Makes the register `key` absent.
    case delete(key: String)
    /// If the register `key` holds `expected` (`nil`: is absent), sets it to `new` (`nil`: delete);
    /// answered by ``ModelOutput/swapped(_:)``.
    case compareAndSwap(key: String, expected: String?, new: String?)
    /// Adds `delta` to the counter `key` (a counter starts at 0); answered by
    /// ``ModelOutput/counter(_:)`` with the new value, or ``ModelOutput/written`` (unchecked).
    case counterAdd(key: String, delta: Int64)
    /// Reads the counter `key`; answered by ``ModelOutput/counter(_:)``.
    case counterRead(key: String)
    /// Adds each delta to its counter, all at once; answered by ``ModelOutput/counters(_:)`` with
    /// the new values, or ``ModelOutput/written``. Its counters are checked together as one
    /// sub-history (they are no longer independent).
    case counterBatch([String: Int64])
    /// Asks for the lock `lock` on behalf of `holder`; answered by ``ModelOutput/granted(token:)``
    /// or ``ModelOutput/refused``. With a `ttl`, the grant lapses `ttl` time units (the history's
    /// logical time) after the point at which it took effect (or later, under
    /// ``LinearizabilityChecker/LockLapse/notBefore``); with `nil`, it lasts until released.
    case lockAcquire(lock: String, holder: String, ttl: Int64?)
    /// Extends `holder`'s live grant with `token` so that it lasts at least `ttl` past the point
    /// at which the renewal takes effect; a renewal never shortens a grant (a grant already
    /// lasting longer keeps its lapse). Answered by ``ModelOutput/granted(token:)`` (the same
    /// token), or ``ModelOutput/refused`` when the grant lapsed, was released or is not this
    /// holder's with this token.
    case lockRenew(lock: String, holder: String, token: UInt64, ttl: Int64)
    /// Frees the lock if `holder` and `token` match its latest grant (even if that grant has
    /// lapsed, as long as nobody else took the lock); answered by ``ModelOutput/released(_:)``.
    case lockRelease(lock: String, holder: String, token: UInt64)

    /// The resources this action reads or writes (one, except for a counter batch).
    public var resources: [ModelResource] {
        switch self {
        case .put(let key, _), .get(let key), .delete(let key), .compareAndSwap(let key, _, _):
            return [ModelResource(kind: .register, name: key)]
        case .counterAdd(let key, _), .counterRead(let key):
            return [ModelResource(kind: .counter, name: key)]
        case .counterBatch(let deltas):
            return deltas.keys.sorted().map { ModelResource(kind: .counter, name: $0) }
        case .lockAcquire(let lock, _, _), .lockRenew(let lock, _, _, _), .lockRelease(let lock, _, _):
            return [ModelResource(kind: .lock, name: lock)]
        }
    }

    /// `true` if the action never changes state (a read): such an action with an unknown outcome
    /// constrains nothing and the checker drops it.
    var isReadOnly: Bool {
        switch self {
        case .get, .counterRead: return true
        default: return false
        }
    }
}

/// What the system answered to a ``ModelAction``.
public enum ModelOutput: Sendable, Hashable {
    /// A write was acknowledged, without a checked result (put, delete, counter add or batch).
    case written
    /// A put or delete reported what the register held before (`nil`: absent).
    case replaced(previous: String?)
    /// The value read from a register (`nil`: absent).
    case value(String?)
    /// Whether a compare-and-swap succeeded.
    case swapped(Bool)
    /// A counter's value: read, or new value after an add.
    case counter(Int64)
    /// The new value of each counter of a batch.
    case counters([String: Int64])
    /// The lock was granted with this fencing token.
    case granted(token: UInt64)
    /// The lock is held by someone else.
    case refused
    /// Whether a release freed the lock.
    case released(Bool)
}

/// One independently checked resource: a register, a counter or a lock, by name.
public struct ModelResource: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The three namespaces.
    public enum Kind: Int, Sendable, Hashable {
        case register, counter, lock
    }

    /// Which namespace.
    public var kind: Kind
    /// The key or lock name.
    public var name: String

    /// Creates a resource identity.
    /// - Parameters:
    ///   - kind: the namespace.
    ///   - name: the key or lock name.
    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func < (lhs: ModelResource, rhs: ModelResource) -> Bool {
        (lhs.kind.rawValue, lhs.name) < (rhs.kind.rawValue, rhs.name)
    }

    public var description: String {
        switch kind {
        case .register: return "register \(name.debugDescription)"
        case .counter: return "counter \(name.debugDescription)"
        case .lock: return "lock \(name.debugDescription)"
        }
    }
}
