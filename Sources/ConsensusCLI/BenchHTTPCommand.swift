import ArgumentParser
import AsyncHTTPClient
import ConsensusBench
import ConsensusREPL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `consensus bench http`: requests per second and latency percentiles through the HTTP API,
/// against running members (`--connect`) or a local cluster of node processes it starts (and
/// stops) itself; optionally the time to the next write after the leader is killed.
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Load the HTTP API of a cluster: requests/s and latency p50/p90/p99/max.",
        discussion: """
            Without --connect it starts a local cluster of 'consensus node' processes on free \
            loopback ports (in a temporary directory, removed afterwards), sends every request to \
            the leader, and reports the members' peak RSS. With --connect the connections are \
            spread over the addresses given (a follower forwards writes and linearizable reads to \
            the leader). Each connection keeps one request in flight; keys are picked uniformly \
            from --keys keys. get and get-local write every key once before the timed run.

            Workloads: put (PUT /v1/kv/{key}), get (linearizable GET), get-local \
            (?consistency=local), cas (POST /v1/kv/{key}/cas on keys the connection owns, with the value it last \
            saw), counter (POST /v1/counters/{name}/add, delta 1).

            --failover-trials N (local cluster only): after the load, N times: SIGKILL the \
            leader, time until a write through a surviving member succeeds, restart the member.
            """)

    @Option(help: "put, get, get-local, cas or counter (default put).")
    var workload = "put"

    @Option(help: "Concurrent connections, one request in flight each (default 16).")
    var connections = 16

    @Option(help: "How long to run: seconds, or 500ms, 10s, 1m (default 10s); 0 skips the load.")
    var duration = "10s"

    @Option(name: .customLong("value-size"), help: "Bytes per value (default 64).")
    var valueSize = 64

    @Option(help: "Distinct keys (default 1000).")
    var keys = 1000

    @Option(help: "host:port,... of running members' HTTP APIs (default: start a local cluster).")
    var connect: [String] = []

    @Option(name: .customLong("failover-trials"), help: "Kill the leader this many times after the load and time the next write (local cluster only).")
    var failoverTrials = 0

    @Flag(help: "Print the report as one JSON object (progress lines still go to stderr).")
    var json = false

    @OptionGroup var cluster: ClusterPlanOptions

    var settings: HTTPBenchSettings {
        var s = HTTPBenchSettings()
        s.workload = workload
        s.connections = connections
        s.duration = duration
        s.valueSize = valueSize
        s.keys = keys
        s.connect = connect
        s.failoverTrials = failoverTrials
        return s
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
        if let problem = cluster.plan(parentPID: nil).problem { throw ValidationError(problem) }
        if failoverTrials > 0 && cluster.mechanism != "raft" { throw ValidationError("--failover-trials needs --mechanism raft (simple_majority has no leader)") }
    }

    func run() async throws {
        let local = try await startLocalCluster(if: settings.addresses.isEmpty)
        let client = HTTPLoadRunner.makeClient(connections: settings.connections)
        let outcome: Result<HTTPBenchReport, any Error>
        do { outcome = .success(try await measure(local: local, client: client)) } catch { outcome = .failure(error) }
        try? await client.shutdown()
        if let local { stopLocalCluster(local.state, directory: local.directory) }
        let report = try outcome.get()
        print(json ? report.json : report.text)
    }

    /// The load, the members' memory and the failover trials, as the settings ask.
    private func measure(local: LocalCluster?, client: HTTPClient) async throws -> HTTPBenchReport {
        let settings = self.settings
        let workload = settings.parsedWorkload
        let addresses = local.map { [$0.leaderAddress] } ?? settings.addresses
        let runner = HTTPLoadRunner(client: client, addresses: addresses, requests: .init(keyCount: settings.keys, valueBytes: settings.valueSize),
                                    connections: settings.connections)
        var report = HTTPBenchReport(workload: workload.rawValue, connections: settings.connections, valueSize: settings.valueSize, keys: settings.keys)

        if settings.parsedDuration > .zero {
            if workload.needsPrefill {
                note("writing \(settings.keys) keys before the reads")
                let failed = await runner.prefill()
                if failed > 0 { throw clusterFail("\(failed) of \(settings.keys) prefill writes failed against \(addresses.joined(separator: ","))") }
            }
            note("\(workload.rawValue) against \(addresses.joined(separator: ",")) for \(settings.duration), \(settings.connections) connections")
            let (tally, seconds) = await runner.run(workload, duration: settings.parsedDuration) { note($0) }
            report.seconds = seconds
            report.succeeded = tally.latency.count
            report.latency = tally.latency.summary
            report.failedByStatus = Dictionary(uniqueKeysWithValues: tally.failedByStatus.map { (String($0.key), $0.value) })
            report.transportErrors = tally.transportErrors
            report.casSucceeded = tally.cas?.succeeded
            report.casRefused = tally.cas?.refused
        }
        if let members = local?.state.members {
            report.memberPeakRSSKiB = Dictionary(uniqueKeysWithValues: members.compactMap { m in
                m.pid.flatMap { try? String(contentsOfFile: "/proc/\($0)/status", encoding: .utf8) }
                    .flatMap { ProcessMemory.peakResidentKiB(status: $0) }.map { (m.id, $0) }
            })
        }
        if settings.failoverTrials > 0, let local {
            note("failover: \(settings.failoverTrials) trials")
            var trials = FailoverTrials(state: local.state, runner: runner)
            let times = await trials.run(trials: settings.failoverTrials) { note($0) }
            local.state = trials.state
            report.failover = FailoverSummary(milliseconds: times, targetMilliseconds: failoverTargetMilliseconds)
        }
        return report
    }

    /// The issue's bound for the next write after a leader dies: election timeout max + 2 heartbeats.
    var failoverTargetMilliseconds: Double {
        let electionMax = cluster.electionTimeout.flatMap(DurationArgument.range)?.upperBound ?? .milliseconds(2000)
        let heartbeat = cluster.heartbeat.flatMap(DurationArgument.init)?.duration ?? .milliseconds(100)
        return Double((electionMax + heartbeat * 2).wholeMilliseconds)
    }

    /// A cluster this command started: its state, directory and the leader's API address.
    final class LocalCluster {
        /// The members; failover trials restart members, which changes their PIDs.
        var state: ClusterState
        let directory: String
        let leaderAddress: String

        init(state: ClusterState, directory: String, leaderAddress: String) {
            self.state = state
            self.directory = directory
            self.leaderAddress = leaderAddress
        }
    }

    private func startLocalCluster(if wanted: Bool) async throws -> LocalCluster? {
        guard wanted else { return nil }
        let directory = NSTemporaryDirectory() + "consensus-bench-" + UUID().uuidString.prefix(8).lowercased()
        var state = try cluster.plan(parentPID: getpid()).newCluster(directory: directory, executable: MemberProcess.currentExecutable())
        note("starting \(state.members.count) members in \(directory)")
        do {
            try LocalClusterLauncher.spawnAll(&state)
        } catch {
            stopLocalCluster(state, directory: directory)
            throw clusterFail("\(error)")
        }
        guard case .leader(let leader, _) = await LocalClusterLauncher.waitForLeader(state, timeout: .seconds(60)),
              let member = state.member(leader.id) else {
            stopLocalCluster(state, directory: directory)
            throw clusterFail("the local cluster elected no leader within 60 s (logs were in \(directory))")
        }
        return LocalCluster(state: state, directory: directory, leaderAddress: member.apiAddress)
    }

    private func stopLocalCluster(_ state: ClusterState, directory: String) {
        let left = MemberProcess.stop(state.members, graceful: true)
        for m in left { note("\(m.id) (pid \(m.pid!)) did not stop") }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
