@testable import Consensus
import ConsensusCore
import ConsensusNetwork
import Testing

/// ``NodeStateMachine`` in transcript style: a request in, the directives out, driven by
/// ``NodeHarness`` in virtual time (no clock, task or sleep). Each test names the paper section
/// or the scenario it checks. "Dissertation" is Ongaro's Raft dissertation (2014).
@Suite("NodeStateMachine transcripts")
struct NodeStateMachineTests {
    // MARK: - Set-up

    /// 10 ms heartbeats (5 ms ticks), 60-120 ms elections, 500 ms timeouts, peers unreachable
    /// after 50 ms (10 ticks).
    static func raft(batch: Bool = false) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.raft(
            timeout: .milliseconds(500), heartbeatInterval: .milliseconds(10),
            electionTimeout: .milliseconds(60)...(.milliseconds(120)),
            batchUpdates: batch, batchWindow: .milliseconds(20))
        c.unreachableAfter = .milliseconds(50)
        return c
    }

    /// simple_majority with the same timing; `members` is the bootstrap membership.
    static func majority(quorum: Double = 0.51, members: [String]) -> ConsensusConfiguration {
        var c = ConsensusConfiguration.simpleMajority(timeout: .milliseconds(500), quorum: quorum, members: members.map { NodeInfo(id: $0) })
        c.heartbeatInterval = .milliseconds(10)
        c.electionTimeout = .milliseconds(60)...(.milliseconds(120))
        c.unreachableAfter = .milliseconds(50)
        return c
    }

    static func names(_ count: Int) -> [String] { (1...count).map { "n\($0)" } }

    /// A started raft cluster `n1...nN` whose leader is `n1`, every member caught up.
    func raftCluster(_ size: Int = 3, _ configuration: ConsensusConfiguration = raft(), seed: UInt64 = 1) -> NodeHarness {
        let h = NodeHarness(members: Self.names(size), configuration: configuration, seed: seed)
        h.start()
        h.elect("n1")
        return h
    }

    /// A started simple_majority cluster `n1...nN`.
    func majorityCluster(_ size: Int = 3, quorum: Double = 0.51) -> NodeHarness {
        let names = Self.names(size)
        let h = NodeHarness(members: names, configuration: Self.majority(quorum: quorum, members: names))
        h.start()
        h.deliverAll()
        return h
    }

    func lines(_ directives: [NodeDirective]) -> [String] { NodeHarness.lines(directives) }

    func put(_ key: String, _ value: Int64) -> NodeRequest { .propose(.put(key: key, value: .int(value))) }

    /// How many `stateChanged` events for `key` a member emitted.
    func stateChanges(_ h: NodeHarness, _ node: String, _ key: String) -> Int {
        h.events(of: node).filter { if case .stateChanged(key, _, _) = $0 { true } else { false } }.count
    }

    /// How many entries writing `key` a member appended to its log.
    func appended(_ h: NodeHarness, _ node: String, _ key: String) -> Int {
        h.events(of: node).filter { if case .logAppended(_, _, key?) = $0 { true } else { false } }.count
    }

    // MARK: - Forwarding

    @Test("Dissertation §6.2: a proposal on a follower is forwarded to the leader (which replicates it while persisting it, §10.2.1) and answered on the follower once it applied the entry")
    func followerForwardsToLeader() throws {
        let h = raftCluster()
        let (id, out) = h.request("n2", put("k", 1))
        #expect(lines(out) == ["send n1 Forward hops=0"])

        // The leader appends the entry and sends it out as it persists it (§10.2.1): the appends
        // come before the persist, so the followers' writes overlap the leader's.
        let atLeader = lines(h.deliverNext())
        let persist = try #require(atLeader.firstIndex { $0.hasPrefix("persist") && $0.contains("entries") })
        let firstAppend = try #require(atLeader.firstIndex { $0.hasPrefix("send") && $0.contains("MsgApp") })
        #expect(firstAppend < persist)
        #expect(!atLeader.contains { $0.hasPrefix("answer") })

        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 50))
        let answer = try #require(h.answers(to: id).first)
        #expect(answer.node == "n2")
        let result = try #require(h.proposal(id))
        #expect(result.accepted)
        #expect(result.errorCode == nil)
        // Answered once applied on the follower, not when the leader committed.
        #expect(try #require(result.index) <= answer.appliedIndex)
        #expect(h["n2"].store.get("k")?.value == .int(1))
        h.run(ticks: 20)
        #expect(h.answers(to: id).count == 1)
    }

    @Test("Dissertation §6.2, hop limit: a forward is passed on at most forwardHopsMax times; the leader still proposes it")
    func forwardHopLimit() throws {
        let h = raftCluster()
        #expect(h["n2"].configuration.limits.forwardHopsMax == 3)
        let command = Command(id: ProposalID(node: 99, sequence: 1), time: 0, operation: .put(key: "k", value: .int(7)))
        let bytes = try CommandCodec.encode(command, compressAbove: nil)

        // A follower passes a forward on to its leader, counting the hop...
        #expect(lines(h.feed("n2", .message(from: "n3", .forward(command: bytes, hops: 1)))) == ["send n1 Forward hops=2"])
        // ...but one that would make a fourth hop is dropped: nothing is sent.
        #expect(lines(h.feed("n3", .message(from: "n2", .forward(command: bytes, hops: 2)))) == [])
        // The leader proposes what reaches it, whatever its hop count.
        h.deliverAll()
        h.run(ticks: 4)
        #expect(h["n1"].store.get("k")?.value == .int(7))
    }

    // MARK: - Re-sends and exactly once

    @Test("Dissertation §6.3: a proposal lost with the old leader is sent to the new one, applied once and answered once")
    func resendAfterLeaderChange() throws {
        let h = raftCluster()
        // n1 hears the forward but can no longer replicate.
        h.cutOneWay(from: "n1", to: "n2")
        h.cutOneWay(from: "n1", to: "n3")
        let (id, out) = h.request("n2", .propose(.counterAdd(name: "hits", delta: 1)))
        #expect(lines(out) == ["send n1 Forward hops=0"])
        h.deliverAll()
        #expect(h["n1"].raft!.lastIndex == h["n2"].raft!.lastIndex + 1)
        #expect(h.answers(to: id).isEmpty)

        h.isolate("n1")
        #expect(h.run(until: { h in h.leaders.contains { $0 != "n1" } && !h.answers(to: id).isEmpty }, maxTicks: 400))
        let leader = try #require(h.leaders.first { $0 != "n1" })
        if leader != "n2" {
            // The follower sent it again, to the new leader.
            #expect(h.transcript.contains("n2 -> send \(leader) Forward hops=0"))
        }
        #expect(h.answers(to: id).count == 1)
        #expect(h.proposal(id)?.accepted == true)

        h.heal()
        h.settle()
        for n in h.names { #expect(h[n].store.get("hits")?.value == .int(1), "\(n)") }
        #expect(h.answers(to: id).count == 1)
    }

    @Test("Dissertation §6.3: a forward lost while the same member is re-elected in a later term is sent again to it (a new term is a new leadership)")
    func resendAfterSameLeaderNewTerm() throws {
        let h = raftCluster()
        let term = h["n1"].raft!.term
        // The forward is lost, and n2 is away while leadership goes n1 -> n3 -> n1.
        h.dropRule = { if case .forward = $0.message { true } else { false } }
        let (id, _) = h.request("n2", put("k", 1))
        h.deliverAll()
        h.dropRule = nil
        h.isolate("n2")
        let others = ["n1", "n3"]
        h.request("n1", .transferLeadership(to: "n3"))
        #expect(h.run(until: { $0.leaders == ["n3"] }, maxTicks: 100, only: others))
        h.request("n3", .transferLeadership(to: "n1"))
        #expect(h.run(until: { $0.leaders == ["n1"] }, maxTicks: 100, only: others))
        #expect(h["n1"].raft!.term > term)
        #expect(h["n2"].raft!.leader == h["n1"].numericID)   // n2 never saw another leader
        #expect(h["n2"].raft!.term == term)

        h.heal()
        let healedAt = h.now
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        #expect(h.proposal(id)?.accepted == true)
        #expect(try #require(h.answers(to: id).first).time < healedAt + .milliseconds(100))
    }

    @Test("Dissertation §6.3, exactly once: a committed proposal re-sent after a leader change is appended twice but changes the state once, and is answered once")
    func resentDuplicateAppliedOnce() throws {
        let h = raftCluster()
        // n2 never hears from n1 again: its proposal commits on n1 and n3 without n2 knowing.
        h.cutOneWay(from: "n1", to: "n2")
        let (id, _) = h.request("n2", .propose(.counterAdd(name: "hits", delta: 1)))
        h.deliverAll()
        h.run(ticks: 2, only: ["n1"])
        #expect(h["n1"].store.get("hits")?.value == .int(1))
        #expect(h.answers(to: id).isEmpty)

        // n1 goes away; n3 (the longer log) takes over, and n2 sends its proposal again.
        h.isolate("n1")
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 400))
        #expect(h.leaders.contains("n3"))
        #expect(h.transcript.contains("n2 -> send n3 Forward hops=0"))
        h.run(ticks: 10)

        #expect(appended(h, "n3", "hits") == 2)   // the original and the re-sent copy
        #expect(h.answers(to: id).count == 1)
        #expect(h.proposal(id)?.accepted == true)
        #expect(stateChanges(h, "n2", "hits") == 1)
        let accepted = h.events(of: "n2").filter { if case .consensusAccepted(let p) = $0 { p.key == "hits" } else { false } }
        #expect(accepted.count == 1)
        for n in ["n2", "n3"] { #expect(h[n].store.get("hits")?.value == .int(1), "\(n)") }
    }

    @Test("Jepsen-style duplicated message: the same forward delivered twice to the leader takes effect once")
    func duplicatedForwardAppliedOnce() throws {
        let h = raftCluster()
        let (id, out) = h.request("n2", .propose(.counterAdd(name: "hits", delta: 5)))
        guard case let .send(to, message)? = out.first else { Issue.record("no forward: \(lines(out))"); return }
        #expect(to == "n1")
        h.feed("n1", .message(from: "n2", message))   // the network's copy, ahead of the original
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 50))
        h.run(ticks: 10)
        #expect(appended(h, "n1", "hits") == 2)
        #expect(h.answers(to: id).count == 1)
        for n in h.names {
            #expect(h[n].store.get("hits")?.value == .int(5), "\(n)")
            #expect(stateChanges(h, n, "hits") == 1, "\(n)")
        }
    }

    // MARK: - Batching

    @Test("Dissertation §10.2.2, batching: proposals within batchWindow ask for one wake-up and go out as one persisted batch and one MsgApp per follower")
    func batchingByWindow() throws {
        let h = raftCluster(3, Self.raft(batch: true))
        let window = h["n1"].configuration.batchWindow
        let (a, outA) = h.request("n1", put("a", 1))
        let (b, outB) = h.request("n1", put("b", 2))
        let (c, outC) = h.request("n1", put("c", 3))
        #expect(lines(outA) == ["wakeUp after \(window)"])
        #expect(lines(outB) == [])
        #expect(lines(outC) == [])

        h.advance(by: window - .milliseconds(1))
        #expect(h.queue.isEmpty)
        let before = h.transcript.count
        h.advance(by: .milliseconds(1))
        let flushed = h.transcript[before...].filter { $0.hasPrefix("n1 -> ") }
        let persists = flushed.filter { $0.hasPrefix("n1 -> persist") }
        let last = h["n1"].raft!.lastIndex
        #expect(persists == ["n1 -> persist entries \(last - 2)...\(last)"])
        var appends: [String: Int] = [:]
        for m in h.queue {
            if case .raft(let r) = m.message, case let .append(_, _, entries, _) = r.kind { appends[m.to, default: 0] += entries.count }
        }
        #expect(appends == ["n2": 3, "n3": 3])

        h.deliverAll()
        #expect(h.run(until: { h in [a, b, c].allSatisfy { !h.answers(to: $0).isEmpty } }, maxTicks: 20))
        for id in [a, b, c] { #expect(h.proposal(id)?.accepted == true) }
    }

    // MARK: - Reads

    @Test("Dissertation §6.4, ReadIndex on the leader: a heartbeat round confirms leadership before the answer")
    func linearizableReadOnLeader() throws {
        let h = raftCluster()
        let (w, _) = h.request("n1", put("k", 1))
        #expect(h.run(until: { !$0.answers(to: w).isEmpty }, maxTicks: 20))

        let term = h["n1"].raft!.term
        let (id, out) = h.request("n1", .read(key: "k", consistency: .linearizable))
        #expect(Set(lines(out)) == ["send n2 MsgHeartbeat term=\(term)", "send n3 MsgHeartbeat term=\(term)"])
        h.deliverAll()
        guard case .success(.value(let v, _))? = h.answers(to: id).first?.result else {
            Issue.record("no value: \(h.answers(to: id).map(\.result))"); return
        }
        #expect(v?.value == .int(1))
        #expect(h.answers(to: id).count == 1)
    }

    @Test("Dissertation §6.4: a leader whose heartbeat round gets no answers never answers the read with a value")
    func linearizableReadWithoutConfirmation() throws {
        let h = raftCluster()
        h.isolate("n1")
        let (id, _) = h.request("n1", .read(key: "k", consistency: .linearizable))
        h.deliverAll()
        #expect(h.answers(to: id).isEmpty)
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        #expect(h.error(id) != nil)
    }

    @Test("Dissertation §6.4: a read on a follower asks the leader for a read index and answers once applied up to it")
    func linearizableReadOnFollower() throws {
        let h = raftCluster()
        let (w, _) = h.request("n1", put("k", 2))
        h.deliverAll()   // committed on the leader; n2 learns the commit only with the next heartbeat
        #expect(h.answers(to: w).count == 1)

        let term = h["n1"].raft!.term
        let (id, out) = h.request("n2", .read(key: "k", consistency: .linearizable))
        #expect(lines(out) == ["send n1 MsgReadIndex term=\(term)"])
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 20))
        let answer = try #require(h.answers(to: id).first)
        guard case .success(.value(let v, let applied)) = answer.result else { Issue.record("\(answer.result)"); return }
        #expect(v?.value == .int(2))
        #expect(applied >= h["n1"].raft!.commitIndex)
    }

    @Test("Dissertation §6.4: a read with no leader yet waits for one, then answers")
    func linearizableReadWaitsForLeader() throws {
        let h = NodeHarness(members: Self.names(3), configuration: Self.raft())
        h.start()
        let (id, out) = h.request("n2", .read(key: "k", consistency: .linearizable))
        #expect(lines(out) == [])
        h.elect("n1")
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 20))
        guard case .success(.value(nil, _))? = h.answers(to: id).first?.result else {
            Issue.record("\(h.answers(to: id).map(\.result))"); return
        }
        #expect(h.answers(to: id).count == 1)
    }

    @Test("Partition, minority side: once a member detected it is cut off, a linearizable read and a write fail at once with noQuorum")
    func minorityAnswersNoQuorumAtOnce() throws {
        let h = raftCluster()
        h.isolate("n3")
        #expect(h.run(until: { $0["n3"].currentPartition?.side == .minority }, maxTicks: 100))
        let (read, readOut) = h.request("n3", .read(key: "k", consistency: .linearizable))
        #expect(lines(readOut) == ["answer \(read) error noQuorum"])
        let (write, writeOut) = h.request("n3", put("k", 1))
        #expect(lines(writeOut) == ["answer \(write) not accepted k: noQuorum"])
        #expect(h.proposal(write)?.outcomeUnknown == false)
    }

    @Test("Partition, minority side: a linearizable read already waiting when the member detects it is cut off fails then with noQuorum, not at its deadline")
    func pendingReadFailsOnPartition() throws {
        let h = raftCluster()
        h.isolate("n3")
        let (id, _) = h.request("n3", .read(key: "k", consistency: .linearizable))
        #expect(h.run(until: { $0["n3"].currentPartition?.side == .minority }, maxTicks: 100))
        #expect(h.error(id) == .noQuorum)
        #expect(try #require(h.answers(to: id).first).time < h["n3"].configuration.timeout)
        #expect(h.answers(to: id).count == 1)
    }

    // MARK: - Durability before effects

    @Test("Persist, then answer (Raft Figure 2, etcd's Ready): while a batch is being persisted the leader only replicates it (§10.2.1), answers nothing and defers new inputs; .persisted releases them in order")
    func nothingLeavesBeforePersisted() throws {
        let h = raftCluster()
        h.autoPersist = false
        let (a, outA) = h.request("n1", put("a", 1))
        let last = h["n1"].raft!.lastIndex
        let term = h["n1"].raft!.term
        // The appends leave first (the followers write in parallel with the leader), then the write.
        let directives = lines(outA).filter { !$0.hasPrefix("emit") }
        #expect(Set(directives.dropLast()) == ["send n2 MsgApp term=\(term)", "send n3 MsgApp term=\(term)"])
        #expect(directives.last == "persist entries \(last)...\(last)")
        // Meanwhile: another proposal and a tick are accepted but wait for the disk.
        let (b, outB) = h.request("n1", put("b", 2))
        #expect(lines(outB) == [])
        #expect(lines(h.feed("n1", .tick)) == [])
        #expect(h.queue.count == 2)

        let released = lines(h.feed("n1", .persisted))
        let sends = released.filter { $0.hasPrefix("send") }
        #expect(sends.contains("send n2 MsgApp term=\(h["n1"].raft!.term)"))
        // The deferred proposal was proposed once the first write was durable: a second persist.
        #expect(released.contains("persist entries \(last + 1)...\(last + 1)"))
        #expect(released.firstIndex(of: "send n2 MsgApp term=\(h["n1"].raft!.term)")! < released.firstIndex(of: "persist entries \(last + 1)...\(last + 1)")!)

        h.autoPersist = true
        h.feed("n1", .persisted)
        #expect(h.run(until: { h in !h.answers(to: a).isEmpty && !h.answers(to: b).isEmpty }, maxTicks: 20))
        #expect(h.proposal(a)?.accepted == true)
        #expect(h.proposal(b)?.accepted == true)
    }

    @Test("Storage failure: the member halts, every waiting request fails with a storage error, and later requests too")
    func storageFailureHalts() throws {
        let h = raftCluster()
        h.autoPersist = false
        let (a, _) = h.request("n1", put("a", 1))
        let out = lines(h.feed("n1", .storageFailed("disk full")))
        #expect(out.contains("answer \(a) error storage"))
        #expect(out.last == "halted storage")
        #expect(!h["n1"].isRunning)
        #expect(h.answers(to: a).count == 1)
        let (later, _) = h.request("n1", put("b", 1))
        #expect(h.error(later)?.code == .storage)
    }

    // MARK: - Timeouts and bounds

    @Test("Timeouts: a proposal not applied by its deadline is answered with errorCode timeout (the outcome is unknown)")
    func proposalDeadline() throws {
        let h = raftCluster()
        h.dropRule = { if case .forward = $0.message { true } else { false } }
        let timeout = h["n2"].configuration.timeout
        let start = h.now
        let (id, _) = h.request("n2", put("k", 1))
        h.run(until: { $0.now >= start + timeout - h.tickInterval }, maxTicks: 1_000)
        #expect(h.answers(to: id).isEmpty)
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 5))
        let result = try #require(h.proposal(id))
        #expect(!result.accepted)
        #expect(result.errorCode == .timeout)
        #expect(result.outcomeUnknown)
        #expect(try #require(h.answers(to: id).first).time >= start + timeout)
    }

    @Test("Timeouts: a proposal that never left the member (no leader known until its deadline) is refused noLeader, a definite answer, and is not proposed once a leader appears")
    func unsentProposalDeadline() throws {
        let h = NodeHarness(members: Self.names(3), configuration: Self.raft(), seed: 1)
        h.start()
        let timeout = h["n1"].configuration.timeout
        let start = h.now
        h.isolate("n1")
        let (id, _) = h.request("n1", put("never", 1))
        // n1 is cut off before anyone was elected: it campaigns alone and hears nobody.
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 1_000, only: ["n1"]))
        let result = try #require(h.proposal(id))
        #expect(result.errorCode == .noLeader)
        #expect(!result.outcomeUnknown)
        #expect(try #require(h.answers(to: id).first).time >= start + timeout)
        h.heal()
        #expect(h.run(until: { h in Self.names(3).contains { h[$0].raft?.isLeader == true } }, maxTicks: 2_000))
        h.settle()
        for n in Self.names(3) { #expect(h[n].store.get("never") == nil) }
    }

    @Test("Deposed leader (issue 10 bug): a proposal on a leader cut off before it noticed is answered timeout, an unknown outcome, never a refusal")
    func deposedLeaderProposalIsUnknown() throws {
        let h = raftCluster()
        h.isolate("n1")
        let (id, out) = h.request("n1", put("k", 1))
        #expect(!lines(out).contains { $0.hasPrefix("answer") })
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        let result = try #require(h.proposal(id))
        #expect(!result.accepted)
        #expect(result.errorCode == .timeout)
        #expect(result.outcomeUnknown)
        h.heal()
        h.settle()
        #expect(h.answers(to: id).count == 1)
    }

    @Test("Bounds: beyond limits.pendingProposalsMax a proposal is answered overloaded at once and never reaches the log")
    func pendingProposalsBound() throws {
        var c = Self.raft()
        c.limits.pendingProposalsMax = 2
        let h = raftCluster(3, c)
        let (a, _) = h.request("n1", put("a", 1))
        let (b, _) = h.request("n1", put("b", 1))
        let (extra, out) = h.request("n1", put("c", 1))
        #expect(lines(out) == ["answer \(extra) not accepted c: overloaded"])
        #expect(h.proposal(extra)?.errorCode == .overloaded)
        #expect(h.proposal(extra)?.outcomeUnknown == false)
        #expect(h.run(until: { h in !h.answers(to: a).isEmpty && !h.answers(to: b).isEmpty }, maxTicks: 20))
        h.run(ticks: 4)
        for n in h.names { #expect(h[n].store.get("c") == nil) }
    }

    @Test("Bounds: beyond limits.pendingReadsMax a linearizable read is answered overloaded at once")
    func pendingReadsBound() throws {
        var c = Self.raft()
        c.limits.pendingReadsMax = 1
        let h = raftCluster(3, c)
        let (first, _) = h.request("n1", .read(key: "k", consistency: .linearizable))
        let (second, out) = h.request("n1", .read(key: "k", consistency: .linearizable))
        #expect(lines(out) == ["answer \(second) error overloaded"])
        h.deliverAll()
        guard case .success(.value)? = h.answers(to: first).first?.result else { Issue.record("first read not answered"); return }
    }

    // MARK: - simple_majority

    @Test("simple_majority: a round is accepted with ceil(quorum × members) votes (3 of 5 at 0.6), and every member applies it, no-voters too")
    func majorityAcceptedAtQuorum() throws {
        let h = majorityCluster(5, quorum: 0.6)
        for n in ["n4", "n5"] { h.modify(n) { $0.setVotePolicy(.validate { _, _ in false }) } }
        let (id, _) = h.request("n1", put("x", 1))
        h.deliverAll()
        let result = try #require(h.proposal(id))
        #expect(result.accepted)
        #expect(result.quorumRequired == 3)
        #expect(result.votes.for == 3)
        #expect(result.votes.total == 5)
        for n in h.names { #expect(h[n].localRead("x").value == .int(1), "\(n)") }
    }

    @Test("simple_majority: a round that can no longer reach ceil(quorum × members) is rejected at once, and nobody applies it")
    func majorityRejected() throws {
        let h = majorityCluster(5, quorum: 0.6)
        for n in ["n3", "n4", "n5"] { h.modify(n) { $0.setVotePolicy(.validate { _, _ in false }) } }
        let (id, _) = h.request("n1", put("x", 1))
        h.deliverAll()
        let result = try #require(h.proposal(id))
        #expect(!result.accepted)
        #expect(result.errorCode == .rejected)
        #expect(result.votes.for == 2)
        #expect(result.votes.against == 3)
        #expect(!result.outcomeUnknown)
        for n in h.names { #expect(h[n].localRead("x").value == nil, "\(n)") }
    }

    @Test("simple_majority: a round without enough votes by the timeout is rejected (never applied, so not an unknown outcome)")
    func majorityTimedOut() throws {
        let h = majorityCluster(3)
        h.dropRule = { if case .majorityVote = $0.message { true } else { false } }
        let timeout = h["n1"].configuration.timeout
        let (id, _) = h.request("n1", put("x", 1))
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        let result = try #require(h.proposal(id))
        #expect(!result.accepted)
        #expect(result.errorCode == .rejected)
        #expect(result.error?.contains("timed out") == true)
        #expect(!result.outcomeUnknown)
        #expect(try #require(h.answers(to: id).first).time >= timeout)
        h.run(ticks: 4)
        for n in h.names { #expect(h[n].localRead("x").value == nil, "\(n)") }
    }

    /// simple_majority n1-n3 where n2 and n3 vote by hand, and n1's proposal `x = 1` has reached them.
    func manualVoteRound() -> (NodeHarness, RequestID) {
        let h = majorityCluster(3)
        for n in ["n2", "n3"] { h.modify(n) { $0.setVotePolicy(.manual) } }
        let (id, _) = h.request("n1", put("x", 1))
        h.deliverAll()
        return (h, id)
    }

    @Test("simple_majority, manual votes: proposals wait in pendingProposals until a .vote request; an unknown id is refused")
    func majorityManualVotes() throws {
        let (h, id) = manualVoteRound()
        #expect(h.answers(to: id).isEmpty)
        let pending = try #require(h["n2"].pendingProposals.first)
        #expect(pending.key == "x")
        #expect(pending.proposer == "n1")
        #expect(pending.value == .int(1))

        let (vote, out) = h.request("n2", .vote(proposalID: pending.proposalID, accept: true))
        #expect(lines(out) == ["send n1 MajorityVote 1 yes", "answer \(vote) done"])
        #expect(h["n2"].pendingProposals.isEmpty)
        h.deliverAll()
        #expect(h.proposal(id)?.accepted == true)
        #expect(h.proposal(id)?.votes.for == 2)
        for n in h.names { #expect(h[n].localRead("x").value == .int(1), "\(n)") }

        // n3 never voted: once the round is decided its proposal no longer waits for n3's vote.
        #expect(h["n3"].pendingProposals.isEmpty)

        let (unknown, _) = h.request("n2", .vote(proposalID: "nope", accept: true))
        #expect(h.error(unknown)?.code == .rejected)
    }

    @Test("simple_majority, manual votes: a proposal nobody voted on leaves pendingProposals once its round timed out (it cannot take effect any more)")
    func majorityManualVoteExpires() throws {
        let (h, id) = manualVoteRound()
        #expect(h["n2"].pendingProposals.count == 1)
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        #expect(h.proposal(id)?.errorCode == .rejected)
        h.run(ticks: 2)
        for n in ["n2", "n3"] { #expect(h[n].pendingProposals.isEmpty, "\(n)") }
    }

    @Test("simple_majority, Lamport last-writer-wins: concurrent accepted writes to one key converge everywhere on the highest stamp")
    func majorityLastWriterWins() throws {
        let h = majorityCluster(3)
        let (a, _) = h.request("n1", .propose(.put(key: "x", value: .string("from-n1"))))
        let (b, _) = h.request("n3", .propose(.put(key: "x", value: .string("from-n3"))))
        h.deliverAll()
        #expect(h.proposal(a)?.accepted == true)
        #expect(h.proposal(b)?.accepted == true)
        // Both carry Lamport time 1: the proposer's id breaks the tie, the same way everywhere.
        let n1Wins = WriteStamp(lamport: 1, node: NodeInfo.numericID("n1")) > WriteStamp(lamport: 1, node: NodeInfo.numericID("n3"))
        let winner: ConsensusValue = .string(n1Wins ? "from-n1" : "from-n3")
        for n in h.names { #expect(h[n].localRead("x").value == winner, "\(n)") }

        // A write made after seeing both has a later Lamport time: it wins whoever proposes it.
        let (c, _) = h.request("n2", .propose(.put(key: "x", value: .string("later"))))
        h.deliverAll()
        #expect(h.proposal(c)?.accepted == true)
        for n in h.names { #expect(h[n].localRead("x").value == .string("later"), "\(n)") }
    }

    @Test("simple_majority, sync on reconnect: a member cut off refuses writes (noQuorum) and catches up on what was accepted once it hears its peers again")
    func majoritySyncOnReconnect() throws {
        let h = majorityCluster(3)
        h.isolate("n3")
        #expect(h.run(until: { h in h["n3"].currentPartition?.side == .minority && h["n1"].currentPartition != nil }, maxTicks: 100))
        let (refused, _) = h.request("n3", put("x", 3))
        #expect(h.proposal(refused)?.errorCode == .noQuorum)
        let (id, _) = h.request("n1", put("x", 1))
        h.deliverAll()
        #expect(h.proposal(id)?.accepted == true)
        #expect(h["n3"].localRead("x").value == nil)

        h.heal()
        let healedAt = h.transcript.count
        #expect(h.run(until: { $0["n3"].localRead("x").value == .int(1) }, maxTicks: 20))
        let after = h.transcript[healedAt...]
        #expect(after.contains("n3 -> send n1 MajoritySyncRequest"))
        #expect(h.events(of: "n3").contains(.nodeReconnected("n1")))
        #expect(h.events(of: "n3").contains(.stateChanged(key: "x", newValue: .int(1), oldValue: nil)))
    }

    @Test("simple_majority membership: addNode on any member reaches every member (the newcomer too), and quorums count it; removeNode of an unknown member fails")
    func majorityMembershipShared() throws {
        let h = majorityCluster(3)
        h.add("n4", configuration: Self.majority(members: ["n4"]))
        h.start(["n4"])
        h.deliverAll()
        #expect(h["n4"].debugState.voters == ["n4"])

        let (add, out) = h.request("n2", .addNode(NodeInfo(id: "n4")))
        #expect(lines(out).last == "answer \(add) done")
        h.deliverAll()
        for n in h.names { #expect(h[n].debugState.voters == ["n1", "n2", "n3", "n4"], "\(n)") }

        let (id, _) = h.request("n4", put("x", 1))
        h.deliverAll()
        let result = try #require(h.proposal(id))
        #expect(result.accepted)
        #expect(result.votes.total == 4)
        #expect(result.quorumRequired == 3)

        let (unknown, _) = h.request("n1", .removeNode("n9"))
        #expect(h.error(unknown)?.code == .membership)
        let (remove, _) = h.request("n1", .removeNode("n4"))
        #expect(h.answers(to: remove).first.map { if case .success(.done) = $0.result { true } else { false } } == true)
        h.deliverAll()
        for n in ["n1", "n2", "n3"] { #expect(h[n].debugState.voters == ["n1", "n2", "n3"], "\(n)") }
    }

    // MARK: - Failure detector

    @Test("Partition detection: nodeUnreachable and partitionDetected on each side (majority / minority), then nodeReconnected and partitionHealed")
    func partitionEvents() throws {
        let h = raftCluster()
        h.isolate("n3")
        #expect(h.run(until: { h in h["n3"].currentPartition?.side == .minority && h["n1"].currentPartition != nil }, maxTicks: 100))
        let majoritySide = PartitionInfo(side: .majority, reachable: ["n1", "n2"], unreachable: ["n3"])
        let minoritySide = PartitionInfo(side: .minority, reachable: ["n3"], unreachable: ["n1", "n2"])
        let e1 = h.events(of: "n1"), e3 = h.events(of: "n3")
        #expect(e1.contains(.nodeUnreachable("n3")))
        #expect(e1.contains(.partitionDetected(majoritySide)))
        #expect(e1.firstIndex(of: .nodeUnreachable("n3"))! < e1.firstIndex(of: .partitionDetected(majoritySide))!)
        #expect(e3.contains(.nodeUnreachable("n1")))
        #expect(e3.contains(.nodeUnreachable("n2")))
        #expect(e3.last { if case .partitionDetected = $0 { true } else { false } } == .partitionDetected(minoritySide))
        #expect(h["n1"].currentPartition == majoritySide)
        #expect(h["n3"].currentPartition == minoritySide)

        h.heal()
        #expect(h.run(until: { h in h["n1"].currentPartition == nil && h["n3"].currentPartition == nil }, maxTicks: 20))
        let healed1 = Array(h.events(of: "n1")[e1.count...]), healed3 = Array(h.events(of: "n3")[e3.count...])
        #expect(healed1.contains(.nodeReconnected("n3")))
        #expect(healed1.contains(.partitionHealed))
        #expect(healed3.contains(.nodeReconnected("n1")))
        #expect(healed3.contains(.nodeReconnected("n2")))
        #expect(healed3.contains(.partitionHealed))
        #expect(healed3.firstIndex(of: .nodeReconnected("n1"))! < healed3.firstIndex(of: .partitionHealed)!)
    }

    // MARK: - Membership (raft)

    @Test("Membership bug fix (dissertation §4.2.1): addNode of a member that never started leaves it a learner and fails with a membership error; the cluster keeps its quorum")
    func addNeverStartedStaysLearner() throws {
        let h = raftCluster()
        let n4 = NodeInfo.numericID("n4")
        let (id, _) = h.request("n1", .addNode(NodeInfo(id: "n4")))
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 1_000))
        #expect(h.error(id)?.code == .membership)
        for n in h.names {
            #expect(h[n].raft!.configuration.voters.count == 3, "\(n)")
            #expect(!h[n].raft!.configuration.voters.contains(n4), "\(n)")
            #expect(h[n].raft!.configuration.learners.contains(n4), "\(n)")
        }
        // One real member down: the other two are still a quorum of the three voters.
        h.isolate("n3")
        let (w, _) = h.request("n1", put("k", 1))
        #expect(h.run(until: { !$0.answers(to: w).isEmpty }, maxTicks: 50))
        #expect(h.proposal(w)?.accepted == true)
    }

    /// A raft cluster n1-n3 with `k = 1` written, and n4 started to join and added by n1.
    func clusterWithJoiner() -> (NodeHarness, RequestID) {
        let h = raftCluster()
        let (w, _) = h.request("n2", put("k", 1))
        h.run(until: { !$0.answers(to: w).isEmpty }, maxTicks: 50)
        var joiner = Self.raft()
        joiner.bootstrap = .join
        h.add("n4", configuration: joiner)
        h.start(["n4"])
        let (id, _) = h.request("n1", .addNode(NodeInfo(id: "n4", address: "10.0.0.4:7000")))
        h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 1_000)
        h.settle()
        return (h, id)
    }

    @Test("Membership (dissertation §4.2.1): a joiner that started answers the leader, catches up and is promoted to voter everywhere")
    func startedJoinerPromoted() throws {
        let (h, id) = clusterWithJoiner()
        #expect(h.answers(to: id).count == 1)
        guard case .success(.done)? = h.answers(to: id).first?.result else { Issue.record("\(h.answers(to: id).map(\.result))"); return }
        let n4 = NodeInfo.numericID("n4")
        for n in h.names { #expect(h[n].raft!.configuration.voters.contains(n4), "\(n)") }
        #expect(h["n4"].store.get("k")?.value == .int(1))
        // The joiner learns the other members' names as they ping it (within a heartbeat).
        h.run(ticks: 4)
        #expect(h["n4"].debugState.voters == ["n1", "n2", "n3", "n4"])
    }

    // MARK: - Reserved keys

    @Test("Reserved keys: a user write or read under _cluster/ is refused with invalidArgument, on the leader and on a follower, before anything is sent")
    func reservedKeysRefused() throws {
        let h = raftCluster()
        for n in ["n1", "n2"] {
            let (id, out) = h.request(n, .propose(.put(key: "_cluster/nodes/evil", value: .string("x"))))
            #expect(lines(out) == ["answer \(id) not accepted _cluster/nodes/evil: invalidArgument"])
            let (cas, _) = h.request(n, .propose(.compareAndSwap(key: "_cluster/x", expected: nil, new: .int(1))))
            #expect(h.proposal(cas)?.errorCode == .invalidArgument)
            let (read, _) = h.request(n, .read(key: "_cluster/nodes/n1", consistency: .linearizable))
            #expect(h.error(read)?.code == .invalidArgument)
        }
        #expect(h.queue.isEmpty)
    }

    @Test("Authenticated senders (issue 12): a Raft message whose author is not the member it came from is dropped: no vote, no step-down, nothing sent")
    func spoofedAuthorDropped() throws {
        let h = raftCluster()
        // n2 delivers a vote request that claims to come from n3, in a much later term.
        let forged = Message(from: NodeInfo.numericID("n3"), to: NodeInfo.numericID("n1"), term: 99,
                             kind: .vote(lastIndex: 1_000, lastTerm: 98, leadershipTransfer: true))
        #expect(lines(h.feed("n1", .message(from: "n2", .raft(forged)))).isEmpty)
        // The same message from its real author is heard (n1 steps down to term 99).
        #expect(!lines(h.feed("n1", .message(from: "n3", .raft(forged)))).isEmpty)
    }

    @Test("Reserved keys: member records are replicated but never appear in events or in keys(withPrefix:)")
    func memberRecordsHidden() throws {
        let (h, _) = clusterWithJoiner()
        func reserved(_ e: ConsensusEvent) -> Bool {
            switch e {
            case .stateChanged(let key, _, _): return MemberRecords.isReserved(key)
            case .logAppended(_, _, let key?): return MemberRecords.isReserved(key)
            case .consensusAccepted(let p): return MemberRecords.isReserved(p.key)
            default: return false
            }
        }
        for n in h.names {
            #expect(h[n].store.get(MemberRecords.key("n4")) != nil, "\(n) has the record")
            #expect(!h.events(of: n).contains(where: reserved), "\(n)")
            #expect(h[n].keys(withPrefix: "") == ["k"], "\(n)")
            #expect(h[n].keys(withPrefix: MemberRecords.prefix).isEmpty, "\(n)")
            #expect(h[n].localRead(MemberRecords.key("n4")).value == nil, "\(n)")
            #expect(h[n].nodes.first { $0.id == "n4" }?.address == "10.0.0.4:7000", "\(n) learned the address")
        }
    }

    // MARK: - Determinism

    /// An election, forwarded writes, a partition of the leader, a re-election and a heal.
    func scriptedRun(seed: UInt64) -> [String] {
        let h = NodeHarness(members: Self.names(3), configuration: Self.raft(), seed: seed)
        h.start()
        h.run(until: { !$0.leaders.isEmpty }, maxTicks: 200)
        for (i, n) in h.names.enumerated() { h.request(n, put("k\(i)", Int64(i))) }
        h.run(ticks: 10)
        let leader = h.leaders.first ?? "n1"
        h.isolate(leader)
        h.request(h.names.first { $0 != leader }!, put("during", 1))
        h.run(ticks: 60)
        h.heal()
        h.run(ticks: 30)
        return h.transcript
    }

    @Test("Determinism: two runs with the same seed and inputs produce identical transcripts")
    func sameSeedSameTranscript() {
        let first = scriptedRun(seed: 42)
        let second = scriptedRun(seed: 42)
        #expect(first.count > 500)
        #expect(first == second)
        #expect(first.contains { $0.contains("leaderElected") })
    }
}

/// Leadership transfer as a client sees it (dissertation §3.10): the answer comes when the
/// target leads, or says why it does not, never before it is decided.
@Suite("NodeStateMachine: leadership transfer answers")
struct TransferAnswerTests {
    @Test("§3.10: the transfer is answered done only once the target leads")
    func doneWhenTargetLeads() {
        let h = NodeStateMachineTests().raftCluster()
        let (id, _) = h.request("n1", .transferLeadership(to: "n3"))
        #expect(h.answers(to: id).isEmpty, "not answered before the target leads")
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 200))
        guard case .success(.done)? = h.answers(to: id).first?.result else {
            Issue.record("expected done, got \(String(describing: h.answers(to: id).first))")
            return
        }
        #expect(h["n1"].raft!.leader == h["n3"].numericID, "the old leader knows the new one when it answers")
    }

    @Test("§3.10: a transfer to a member that cannot hear is abandoned after an election timeout, and the answer says so")
    func abandoned() {
        let h = NodeStateMachineTests().raftCluster()
        h.isolate("n3")
        let (id, _) = h.request("n1", .transferLeadership(to: "n3"))
        #expect(h.run(until: { !$0.answers(to: id).isEmpty }, maxTicks: 400, only: ["n1", "n2"]))
        guard case .failure(let error)? = h.answers(to: id).first?.result else {
            Issue.record("expected a refusal, got \(String(describing: h.answers(to: id).first))")
            return
        }
        #expect(error.description.contains("the transfer to n3 was abandoned"), "\(error)")
        #expect(h["n1"].raft!.isLeader)
    }
}
