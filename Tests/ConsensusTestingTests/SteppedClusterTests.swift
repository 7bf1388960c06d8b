import Consensus
import ConsensusCore
import ConsensusTesting
import Testing

/// The step mode's engine (issue 13, part 3): whole members (``NodeStateMachine``) driven by
/// hand. Transcript tests in the form of etcd-io/raft's interaction tests; they double as the
/// documentation of the transcript format (see `StepFormat`).
@Suite("Step mode")
struct SteppedClusterTests {
    static func cluster(seed: UInt64 = 1, members: Int = 3, checkQuorum: Bool = true) throws -> SteppedCluster {
        var options = SteppedClusterOptions(seed: seed, members: members)
        options.checkQuorum = checkQuorum
        return try SteppedCluster(options)
    }

    /// A 3-member cluster where n1 was elected and everything delivered.
    static func elected() throws -> SteppedCluster {
        var c = try cluster()
        _ = c.run(script: "campaign n1\nstabilize")
        return c
    }

    // Reference: §5.2 (leader election), with pre-vote (dissertation §9.6) and the no-op entry
    // of §8. The pre-candidate stays in term 0 until it knows it could win; then one election.
    // (The core sends to voters in the order of their numeric ids, so n3 before n2.)
    @Test("§5.2 transcript: an election shown message by message")
    func election() throws {
        var c = try Self.cluster()
        #expect(c.run(script: """
            campaign n1
            deliver
            deliver
            deliver
            deliver
            deliver
            deliver
            """) == """
            > campaign n1
            campaign n1
              n1 becomes pre-candidate term:0
              n1->n3 RequestPreVote term:1 last:0/0
              n1->n2 RequestPreVote term:1 last:0/0
            > deliver
            deliver n1->n3 RequestPreVote term:1 last:0/0
              n3->n1 PreVote term:1 granted
            deliver n1->n2 RequestPreVote term:1 last:0/0
              n2->n1 PreVote term:1 granted
            > deliver
            deliver n3->n1 PreVote term:1 granted
              n1 becomes candidate term:1
              n1->n3 RequestVote term:1 last:0/0
              n1->n2 RequestVote term:1 last:0/0
            deliver n2->n1 PreVote term:1 granted
            > deliver
            deliver n1->n3 RequestVote term:1 last:0/0
              n3 becomes follower term:1
              n3->n1 Vote term:1 granted
            deliver n1->n2 RequestVote term:1 last:0/0
              n2 becomes follower term:1
              n2->n1 Vote term:1 granted
            > deliver
            deliver n3->n1 Vote term:1 granted
              n1 becomes leader term:1
              n1 appends 1/1 noop
              n1->n3 AppendEntries term:1 prev:0/0 commit:0 entries:[1/1 noop]
              n1->n2 AppendEntries term:1 prev:0/0 commit:0 entries:[1/1 noop]
            deliver n2->n1 Vote term:1 granted
            > deliver
            deliver n1->n3 AppendEntries term:1 prev:0/0 commit:0 entries:[1/1 noop]
              n3 follows n1 term:1
              n3 appends 1/1 noop
              n3->n1 AppendEntriesResponse term:1 ok match:1
            deliver n1->n2 AppendEntries term:1 prev:0/0 commit:0 entries:[1/1 noop]
              n2 follows n1 term:1
              n2 appends 1/1 noop
              n2->n1 AppendEntriesResponse term:1 ok match:1
            > deliver
            deliver n3->n1 AppendEntriesResponse term:1 ok match:1
              n1 commit 0->1
              n1 applies 1/1 noop
              n1->n3 AppendEntries term:1 prev:1/1 commit:1
            deliver n2->n1 AppendEntriesResponse term:1 ok match:1
              n1->n2 AppendEntries term:1 prev:1/1 commit:1
            """)
        #expect(c.leader == "n1")
        #expect(c.run(.status).map(\.description) == [
            "member  role      term  leader  commit  applied  time  log",
            "n1      leader    1     n1      1       1        0     1/1",
            "n2      follower  1     n1      0       0        0     1/1",
            "n3      follower  1     n1      0       0        0     1/1",
            "in flight: 2 messages",
        ])
    }

    // Reference: §5.3 and the lesson's forwarding: a follower passes a client's proposal to the
    // leader; the answer comes from the member the client asked, once it has applied the entry.
    @Test("§5.3 transcript: a put through a follower is forwarded, replicated, committed and answered")
    func forwardedPut() throws {
        var c = try Self.elected()
        let transcript = c.run(script: "put x 1 on n2\nstabilize")
        #expect(transcript.hasPrefix("""
            > put x 1 on n2
            req-1 put x 1 -> n2
              n2->n1 Forward put x=1
            > stabilize
            deliver n2->n1 Forward put x=1
              n1 appends 1/2 put x=1
            """))
        #expect(transcript.contains("  n2 answers req-1 put x 1: ok previous:absent index:2"))
        #expect(c.run(.history).map(\.description) == ["req-1 put x 1 -> n2: ok previous:absent index:2"])
    }

    @Test("the same seed and commands give byte-identical transcripts; another seed, other election timeouts")
    func determinism() throws {
        // Ticks fire the members' randomized election timeouts (the seed draws them): delivering
        // after each tick lets the first to fire win.
        let script = String(repeating: "tick 1\nstabilize\n", count: 10) + """
            put x 1
            put y {"a":[1,2]}
            stabilize
            partition leader
            tick 4
            stabilize
            campaign n3
            stabilize
            put x 2
            get x --local on n1
            get x on n2
            stabilize
            heal
            crash n3
            tick 4
            stabilize
            restart n3
            counter add c 3 on n3
            lock acquire l alice 5000
            tick 2
            stabilize
            status
            debug
            history
            check
            """
        var a = try Self.cluster(seed: 42), b = try Self.cluster(seed: 42), other = try Self.cluster(seed: 43)
        let first = a.run(script: script)
        #expect(first == b.run(script: script))
        #expect(first != other.run(script: script))
        #expect(first.contains("becomes leader"))
    }

    // A crash keeps what was persisted: term, vote, log and commit index. The restarted member
    // rebuilds its state machine by applying its committed entries again.
    @Test("crash and restart: the disk survives, the rest is rebuilt")
    func crashAndRestart() throws {
        var c = try Self.elected()
        _ = c.run(script: "put x 1\nstabilize")
        #expect(c.run(script: "crash n2\nput x 2 on n2\nrestart n2") == """
            > crash n2
            crash n2
            > put x 2 on n2
            error: n2 is down: restart n2, or ask another member
            > restart n2
            restart n2 from disk: term:1 vote:n1 commit:2 log:[1/1 noop, 1/2 put x=1]
              n2 applies 1/1 noop
              n2 applies 1/2 put x=1
            """)
        #expect(c.machine("n2")?.localRead("x").value == 1)
    }

    @Test("a request in flight when its member crashes ends with an unknown outcome")
    func crashWithRequestInFlight() throws {
        var c = try Self.elected()
        _ = c.run(script: "put x 1 on n1")
        #expect(c.run(.crash("n1")).map(\.description) == [
            "crash n1",
            "  n1 answers req-1 put x 1: unknown n1 crashed before answering: the outcome is unknown",
        ])
        #expect(c.history.map(\.outcome) == [.unknown])
    }

    // Reference: dissertation §6 (the leader lease that comes with check-quorum, on by
    // default): a follower that heard from its leader within the minimum election timeout
    // ignores vote requests, so a campaign right after the leader crashed goes unanswered, and
    // the transcript says why. Once the lease has run out, the same campaign wins.
    @Test("check-quorum on: a follower in its leader lease ignores a campaign, and says so")
    func leaderLease() throws {
        var c = try Self.elected()
        _ = c.run(script: "crash n1")
        let ignored = c.run(script: "campaign n2\nstabilize")
        #expect(ignored.contains("""
            deliver n2->n3 RequestPreVote term:2 last:1/1
              n3 ignores it: it heard from its leader n1 within the minimum election timeout (leader lease)
            """), "\(ignored)")
        #expect(c.leader == nil)
        // Five heartbeat intervals are the minimum election timeout (500 ms).
        _ = c.run(script: "tick 5 n3\ncampaign n2\nstabilize")
        #expect(c.leader == "n2")
    }

    @Test("commands: a bad one says what to type instead")
    func errors() throws {
        var c = try Self.cluster()
        #expect(c.run(line: "stabilise") == ["error: unknown command \"stabilise\"; did you mean stabilize?"])
        #expect(c.run(line: "put x") == ["error: usage: put <key> <value> [on <member>]"])
        #expect(c.run(line: "crash n9") == ["error: no member \"n9\": the members are n1 n2 n3 (or leader)"])
        #expect(c.run(line: "campaign leader") == ["error: no member leads right now (try status, or campaign a member)"])
        #expect(c.run(line: "deliver n1-n2") == ["error: expected all or from->to (for example n1->n2, n1->*, *->n2), got \"n1-n2\""])
        #expect(c.run(line: "step") == ["no message in flight"])
        #expect(throws: ConsensusError.self) { try SteppedCluster(SteppedClusterOptions(members: 0)) }
    }

    @Test("the command language parses into typed commands")
    func parsing() throws {
        #expect(try StepCommand(parsing: "tick") == .tick(count: 1, member: nil))
        #expect(try StepCommand(parsing: "tick 3 n2") == .tick(count: 3, member: "n2"))
        #expect(try StepCommand(parsing: "tick n2") == .tick(count: 1, member: "n2"))
        #expect(try StepCommand(parsing: "deliver n1->*") == .deliver(StepMessageFilter(from: "n1")))
        #expect(try StepCommand(parsing: "drop") == .drop(.all))
        #expect(try StepCommand(parsing: "partition n1 n2 | n3") == .partition([["n1", "n2"], ["n3"]]))
        #expect(try StepCommand(parsing: #"put k "a b" on n3"#) == .request(.put(key: "k", value: "a b"), member: "n3"))
        #expect(try StepCommand(parsing: "put k 7") == .request(.put(key: "k", value: 7), member: nil))
        #expect(try StepCommand(parsing: "get k --local on 2") == .request(.get(key: "k", local: true), member: "2"))
        #expect(try StepCommand(parsing: "cas k - 1") == .request(.compareAndSwap(key: "k", expected: nil, new: 1), member: nil))
        #expect(try StepCommand(parsing: "lock release l alice 3") == .request(.lockRelease(name: "l", holder: "alice", token: 3), member: nil))
        // A request reads back as the command that asks for it.
        let request = StepRequest.lockAcquire(name: "l", holder: "bob", ttlMilliseconds: 500)
        #expect(try StepCommand(parsing: request.description) == .request(request, member: nil))
    }

    @Test("simple_majority runs in step mode too: proposals go to every member and are voted on")
    func simpleMajority() throws {
        var options = SteppedClusterOptions(seed: 3)
        options.mechanism = .simpleMajority
        var c = try SteppedCluster(options)
        let transcript = c.run(script: "put x 1 on n1\nstabilize\nget x --local on n2")
        #expect(transcript.contains("  n1->n2 MajorityPropose x"))
        #expect(transcript.contains("  n1 answers req-1 put x 1: ok accepted votes:"))
        #expect(c.machine("n2")?.localRead("x").value == 1)
        #expect(c.run(line: "campaign n1") == ["error: simple_majority has no leader and no elections"])
    }
}
