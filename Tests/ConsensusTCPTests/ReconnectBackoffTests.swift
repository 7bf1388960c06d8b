import ConsensusCore
import ConsensusTCP
import Testing

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test("Without jitter the wait doubles from the initial delay and stops at the cap")
    func exponentialAndCapped() {
        let backoff = ReconnectBackoff(initialDelay: .milliseconds(50), maxDelay: .seconds(1), multiplier: 2, jitter: 0)
        var random = SeededRandom(seed: 1)
        let waits = (1...8).map { backoff.delay(afterFailures: $0, using: &random) }
        #expect(waits == [50, 100, 200, 400, 800, 1000, 1000, 1000].map { Duration.milliseconds($0) })
        #expect(backoff.delay(afterFailures: 10_000, using: &random) == .seconds(1), "no overflow far out")
    }

    @Test("Jitter takes at most its fraction off, never adds; the same seed gives the same waits")
    func jitterIsBoundedAndSeeded() {
        let backoff = ReconnectBackoff(initialDelay: .milliseconds(100), maxDelay: .seconds(2), jitter: 0.5)
        var first = SeededRandom(seed: 9), second = SeededRandom(seed: 9)
        var distinct = Set<Duration>()
        for failures in 1...200 {
            let base = min(Duration.seconds(2), .milliseconds(100) * (1 << min(failures - 1, 20)))
            let wait = backoff.delay(afterFailures: failures, using: &first)
            #expect(wait <= base && wait >= base / 2, "failures \(failures): \(wait) of \(base)")
            #expect(wait == backoff.delay(afterFailures: failures, using: &second))
            distinct.insert(wait)
        }
        #expect(distinct.count > 50, "the jitter varies the waits")
    }

    @Test("Member addresses parse as host:port, IPv6 in brackets; nonsense does not")
    func addresses() {
        #expect(PeerAddress("127.0.0.1:7001") == PeerAddress(host: "127.0.0.1", port: 7001))
        #expect(PeerAddress("[::1]:7002") == PeerAddress(host: "::1", port: 7002))
        #expect(PeerAddress("[::1]:7002")?.description == "[::1]:7002")
        for bad in ["", "7001", "host:", ":7001", "host:70000", "host:-1", "[::1:80"] {
            #expect(PeerAddress(bad) == nil, "\(bad)")
        }
    }
}
