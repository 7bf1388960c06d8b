import ConsensusBench
import Foundation
import Testing

/// Latency statistics, failover figures and the report's text and JSON.
@Suite("bench http: report")
struct HTTPBenchReportTests {
    @Test("percentiles of recorded latencies, merged across connections")
    func latency() {
        var a = LatencyRecorder()
        var b = LatencyRecorder()
        for v in 1...50 { a.record(microseconds: UInt64(v * 1000)) }
        for v in 51...100 { b.record(microseconds: UInt64(v * 1000)) }
        a.add(b)
        let s = a.summary
        #expect(a.count == 100)
        #expect(s.p50 >= 49_900 && s.p50 <= 50_100)
        #expect(s.p90 >= 89_900 && s.p90 <= 90_100)
        #expect(s.p99 >= 98_900 && s.p99 <= 99_100)
        #expect(s.max >= 99_900 && s.max <= 100_100)
        #expect(LatencyRecorder().summary == LatencySummary(p50: 0, p90: 0, p99: 0, max: 0))
    }

    @Test("durations are recorded in microseconds; huge ones are clamped and counted")
    func durations() {
        var r = LatencyRecorder()
        r.record(.milliseconds(3))
        #expect(r.summary.max >= 2_990 && r.summary.max <= 3_010)
        r.record(.seconds(7200))
        #expect(r.clamped == 1 && r.count == 2)
    }

    @Test("failover: nearest-rank median and p95, and the 95% target")
    func failover() {
        let times: [Double?] = (1...19).map { Double($0 * 100) } + [nil]
        let f = FailoverSummary(milliseconds: times, targetMilliseconds: 1850)
        #expect(f.trials == 20 && f.recovered == 19)
        #expect(f.medianMilliseconds == 1000)
        #expect(f.p95Milliseconds == 1900)
        #expect(f.maxMilliseconds == 1900)
        #expect(f.withinTarget == 18)
        #expect(!f.targetMet)
        #expect(FailoverSummary(milliseconds: Array(repeating: 500, count: 20), targetMilliseconds: 2200).targetMet)
        #expect(FailoverSummary(milliseconds: [], targetMilliseconds: 1).medianMilliseconds == 0)
    }

    @Test("the text names rate, percentiles and failures; the JSON decodes")
    func text() throws {
        var r = HTTPBenchReport(workload: "put", connections: 16, valueSize: 64, keys: 1000)
        r.seconds = 2
        r.succeeded = 24_690
        r.failedByStatus = ["503": 3]
        r.transportErrors = 1
        r.latency = LatencySummary(p50: 1_250, p90: 2_000, p99: 9_999, max: 123_456)
        #expect(r.requestsPerSecond == 12_345)
        let text = r.text
        #expect(text.contains("requests/s  12,345  (24,690 succeeded, 4 failed)"))
        #expect(text.contains("p50 1.25 ms  p90 2.00 ms  p99 10.00 ms  max 123.46 ms"))
        #expect(text.contains("HTTP 503: 3, no answer: 1"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
        #expect(object["requestsPerSecond"] as? Double == 12_345)
        #expect((object["latency"] as? [String: Any])?["p99"] as? Int == 9_999)
        #expect(object["workload"] as? String == "put")
    }

    @Test("number formatting and the progress line")
    func formatting() {
        #expect(HTTPBenchReport.grouped(0) == "0")
        #expect(HTTPBenchReport.grouped(1_234_567) == "1,234,567")
        #expect(HTTPBenchReport.grouped(-1000) == "-1,000")
        #expect(HTTPBenchReport.fixed(1.005, 1) == "1.0")
        #expect(HTTPBenchReport.fixed(-0.25, 2) == "-0.25")
        #expect(HTTPBenchReport.fixed(3, 0) == "3")
        #expect(HTTPBenchReport.progressLine(elapsed: 2, succeeded: 2000, failed: 0, lastSecondSucceeded: 1500, interval: 1)
                == "  2.0 s: 2,000 ok, 0 failed, 1,500/s")
    }

    @Test("peak RSS from /proc/<pid>/status text")
    func memory() {
        let status = "Name:\tconsensus\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n"
        #expect(ProcessMemory.peakResidentKiB(status: status) == 51_234)
        #expect(ProcessMemory.residentKiB(status: status) == 40_000)
        #expect(ProcessMemory.peakResidentKiB(status: "Name:\tx\n") == nil)
    }
}
