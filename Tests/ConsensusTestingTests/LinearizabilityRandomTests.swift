import ConsensusCore
import Foundation
@testable import ConsensusTesting
import Testing

/// Histories generated from a real sequential execution, stretched into random concurrency
/// windows around each operation's point of effect: always linearizable. Changing one read to a
/// value nobody could see must be caught. `CONSENSUS_SEED=N` replays one seed.
@Suite("Linearizability checker, randomized")
struct LinearizabilityRandomTests {
    /// The reference store the generator executes against, written independently of the checker's model.
    struct ReferenceStore {
        var registers: [String: String] = [:]
        var counters: [String: Int64] = [:]
        var locks: [String: (holder: String, token: UInt64, expiresAt: Int64)] = [:]
        var lastTokens: [String: UInt64] = [:]

        mutating func apply(_ action: ModelAction, at time: Int64) -> ModelOutput {
            switch action {
            case .put(let key, let value):
                defer { registers[key] = value }
                return .replaced(previous: registers[key])
            case .get(let key):
                return .value(registers[key])
            case .delete(let key):
                return .replaced(previous: registers.removeValue(forKey: key))
            case .compareAndSwap(let key, let expected, let new):
                guard registers[key] == expected else { return .swapped(false) }
                registers[key] = new
                return .swapped(true)
            case .counterAdd(let key, let delta):
                counters[key, default: 0] += delta
                return .counter(counters[key]!)
            case .counterRead(let key):
                return .counter(counters[key, default: 0])
            case .counterBatch(let deltas):
                for (key, delta) in deltas { counters[key, default: 0] += delta }
                return .counters(Dictionary(uniqueKeysWithValues: deltas.keys.map { ($0, counters[$0]!) }))
            case .lockAcquire(let lock, let holder, let ttl):
                if let grant = locks[lock], time < grant.expiresAt {
                    guard grant.holder == holder else { return .refused }
                    // A retry by the holder extends its grant, as the runtime's store does.
                    locks[lock]!.expiresAt = max(grant.expiresAt, ttl.map { time + $0 } ?? .max)
                    return .granted(token: grant.token)
                }
                lastTokens[lock, default: 0] += 1
                locks[lock] = (holder, lastTokens[lock]!, ttl.map { time + $0 } ?? .max)
                return .granted(token: lastTokens[lock]!)
            case .lockRenew(let lock, let holder, let token, let ttl):
                // A renewal never shortens a grant, as the runtime's store does.
                guard let grant = locks[lock], time < grant.expiresAt, grant.holder == holder, grant.token == token else { return .refused }
                locks[lock]!.expiresAt = max(grant.expiresAt, time + ttl)
                return .granted(token: token)
            case .lockRelease(let lock, let holder, let token):
                guard let grant = locks[lock], grant.holder == holder, grant.token == token else { return .released(false) }
                locks[lock] = nil
                return .released(true)
            }
        }
    }

    /// A history of about `operationCount` operations by `clientCount` clients on 4 registers,
    /// 3 counters and 3 locks; each operation takes effect at its own point inside its window.
    static func generate(seed: UInt64, operationCount: Int = 150, clientCount: Int = 5) -> [HistoryOperation] {
        var random = SplitMix64(seed: seed)
        var store = ReferenceStore()
        var history: [HistoryOperation] = []
        var freeAt = Array(repeating: Int64(0), count: clientCount)
        var tokens: [String: UInt64] = [:]
        let registers = ["r0", "r1", "r2", "r3"], counters = ["c0", "c1", "c2"], locks = ["l0", "l1", "l2"]
        var slot = 0
        while history.count < operationCount {
            slot += 1
            let point = Int64(slot * 10)
            let free = (0..<clientCount).filter { freeAt[$0] <= point }
            guard !free.isEmpty else { continue }
            let client = random.pick(free)
            let holder = "client\(client)"
            let action: ModelAction
            switch random.int(in: 0...9) {
            case 0: action = .put(key: random.pick(registers), value: String(random.int(in: 0...4)))
            case 1, 2: action = .get(key: random.pick(registers))
            case 3: action = .compareAndSwap(
                key: random.pick(registers),
                expected: random.chance(0.2) ? nil : String(random.int(in: 0...4)),
                new: random.chance(0.1) ? nil : String(random.int(in: 0...4)))
            case 4: action = random.chance(0.3) ? .delete(key: random.pick(registers)) : .counterRead(key: random.pick(counters))
            case 5: action = .counterAdd(key: random.pick(counters), delta: Int64(random.int(in: 1...5)))
            case 6: action = random.chance(0.3)
                ? .counterBatch(Dictionary(uniqueKeysWithValues: counters.dropFirst().filter { _ in random.chance(0.7) }.map { ($0, 2) } + [("c0", 1)]))
                : .counterRead(key: random.pick(counters))
            case 7, 8:
                action = .lockAcquire(lock: random.pick(locks), holder: holder, ttl: random.chance(0.5) ? nil : Int64(random.int(in: 20...80)))
            default:
                let lock = random.pick(locks)
                action = .lockRelease(lock: lock, holder: holder, token: tokens["\(lock)/\(holder)"] ?? 1)
            }
            let invocation = max(freeAt[client], point - Int64(random.int(in: 0...30)))
            let response = point + Int64(random.int(in: 0...30))
            if random.chance(0.1) {
                // Timed out: took effect at its point, or never.
                if random.chance(0.5) { _ = store.apply(action, at: point) }
                history.append(HistoryOperation(client: client, invocation: invocation, response: .max, action: action, outcome: .unknown))
                freeAt[client] = response + 40
            } else {
                let output = store.apply(action, at: point)
                if case .lockAcquire(let lock, _, _) = action, case .granted(let token) = output {
                    tokens["\(lock)/\(holder)"] = token
                }
                history.append(HistoryOperation(client: client, invocation: invocation, response: response, action: action, outcome: .ok(output)))
                freeAt[client] = response + 1
            }
        }
        return history
    }

    /// The seeds to run: the one in `CONSENSUS_SEED` if set, else 1...count.
    static func seeds(_ count: UInt64) -> [UInt64] {
        if let seed = ProcessInfo.processInfo.environment["CONSENSUS_SEED"].flatMap(UInt64.init) { return [seed] }
        return Array(1...count)
    }

    @Test("Histories from a real sequential execution with random windows are linearizable (300 seeds)")
    func generatedHistoriesPass() {
        let checker = LinearizabilityChecker(stateBudgetPerKey: 100_000)
        for seed in Self.seeds(300) {
            let result = checker.check(Self.generate(seed: seed))
            #expect(result == .linearizable, "seed \(seed): \(result); replay with CONSENSUS_SEED=\(seed) swift test --filter LinearizabilityRandomTests")
        }
    }

    @Test("One read changed to a value nobody wrote is caught (300 seeds)")
    func mutatedReadIsCaught() {
        let checker = LinearizabilityChecker(stateBudgetPerKey: 100_000)
        var mutated = 0
        for seed in Self.seeds(300) {
            var history = Self.generate(seed: seed)
            var random = SplitMix64(seed: seed ^ 0x5eed)
            let reads = history.indices.filter { index in
                guard case .ok = history[index].outcome else { return false }
                return history[index].action.isReadOnly
            }
            guard !reads.isEmpty else { continue }
            let index = random.pick(reads)
            let key: String
            switch history[index].action {
            case .get(let name):
                key = name
                history[index].outcome = .ok(.value("never written"))
            case .counterRead(let name):
                key = name
                history[index].outcome = .ok(.counter(-1)) // deltas are positive
            default:
                continue
            }
            mutated += 1
            let result = checker.check(history)
            guard case .notLinearizable(let caughtKey, _) = result else {
                Issue.record("seed \(seed): mutated read #\(index) not caught: \(result)")
                continue
            }
            // Counter batches join their counters into one sub-history named by all of them.
            #expect(caughtKey.components(separatedBy: ", ").contains(key), "seed \(seed): caught on \(caughtKey), mutated \(key)")
        }
        #expect(mutated > 0)
    }

    @Test("200 operations on 10 keys by 5 clients are checked within a small state budget")
    func twoHundredOperations() {
        // Not a timed test: the budget bounds the work. The time is printed for the curious.
        let checker = LinearizabilityChecker(stateBudgetPerKey: 5_000)
        let clock = ContinuousClock()
        var results: [LinearizabilityResult] = []
        let elapsed = clock.measure {
            for seed in Self.seeds(10) {
                results.append(checker.check(Self.generate(seed: seed, operationCount: 200)))
            }
        }
        let failures = results.filter { !$0.isLinearizable }
        #expect(failures.isEmpty, "\(failures)")
        print("linearizability: \(results.count) histories of 200 operations checked in \(elapsed)")
    }
}
