import ConsensusBench
import Testing

/// `consensus bench http`'s option checks: every bad flag is one line naming it, never a crash.
@Suite("bench http: settings")
struct HTTPBenchSettingsTests {
    /// The defaults with one change.
    static func with(_ change: (inout HTTPBenchSettings) -> Void) -> HTTPBenchSettings {
        var s = HTTPBenchSettings()
        change(&s)
        return s
    }

    @Test("the defaults are the issue's load: put, 16 connections, 10 s, 64-byte values, 1,000 keys")
    func defaults() {
        let s = HTTPBenchSettings()
        #expect(s.problem == nil)
        #expect(s.parsedWorkload == .put)
        #expect(s.parsedDuration == .seconds(10))
        #expect(s.valueSize == 64 && s.keys == 1000 && s.connections == 16)
        #expect(s.addresses.isEmpty)
    }

    @Test("each bad flag is named", arguments: [
        (with { s in s.workload = "delete" }, "--workload"),
        (with { s in s.connections = 0 }, "--connections"),
        (with { s in s.connections = 5000 }, "--connections"),
        (with { s in s.duration = "ten" }, "--duration"),
        (with { s in s.duration = "-1s" }, "--duration"),
        (with { s in s.duration = "2h" }, "--duration"),
        (with { s in s.duration = "0" }, "--duration"),
        (with { s in s.valueSize = 0 }, "--value-size"),
        (with { s in s.keys = 0 }, "--keys"),
        (with { s in s.failoverTrials = -1 }, "--failover-trials"),
        (with { s in s.connect = ["localhost"] }, "--connect"),
        (with { s in s.connect = ["127.0.0.1:0"] }, "--connect"),
        (with { s in s.connect = ["127.0.0.1:80,"] }, "--connect"),
        (with { s in s.connect = [":80"] }, "--connect"),
        (with { s in s.connect = ["127.0.0.1:8080"]; s.failoverTrials = 3 }, "--failover-trials"),
    ])
    func badFlags(settings: HTTPBenchSettings, flag: String) {
        let problem = settings.problem
        #expect(problem?.hasPrefix(flag) == true, "\(problem ?? "nil")")
        #expect(problem?.contains("\n") == false)
    }

    @Test("durations: plain seconds, s, ms and m")
    func durations() {
        #expect(HTTPBenchSettings.parseDuration("10") == .seconds(10))
        #expect(HTTPBenchSettings.parseDuration("2.5") == .milliseconds(2500))
        #expect(HTTPBenchSettings.parseDuration("500ms") == .milliseconds(500))
        #expect(HTTPBenchSettings.parseDuration("1m") == .seconds(60))
        #expect(HTTPBenchSettings.parseDuration("0") == .zero)
        #expect(HTTPBenchSettings.parseDuration("") == nil)
        #expect(HTTPBenchSettings.parseDuration("inf") == nil)
        #expect(HTTPBenchSettings.parseDuration("1e300") == nil)
    }

    @Test("--connect takes repeated and comma-separated addresses")
    func addresses() {
        var s = HTTPBenchSettings()
        s.connect = ["127.0.0.1:8001,127.0.0.1:8002", " 127.0.0.1:8003"]
        #expect(s.problem == nil)
        #expect(s.addresses == ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"])
    }

    @Test("--duration 0 with --failover-trials runs only the trials")
    func trialsOnly() {
        var s = HTTPBenchSettings()
        s.duration = "0"
        s.failoverTrials = 20
        #expect(s.problem == nil)
    }
}
