import Consensus
@testable import ConsensusREPL
import Testing

/// The parser: every command a learner types becomes a typed command, and every mistake one line
/// that says what to type instead.
@Suite("REPL: parser")
struct ReplParserTests {
    let parser = ReplParser()

    func command(_ line: String) -> ReplCommand? {
        guard case .success(let command) = parser.parse(line) else { return nil }
        return command
    }

    func error(_ line: String) -> String {
        guard case .failure(let error) = parser.parse(line) else { return "(parsed)" }
        return error.message
    }

    @Test("data commands: values are JSON when they parse as JSON, else strings; --on and --local anywhere")
    func dataCommands() {
        #expect(command("put greeting hello") == .request(.put(key: "greeting", value: "hello"), on: nil))
        #expect(command("propose n 42") == .request(.put(key: "n", value: 42), on: nil))
        #expect(command("put cfg '{\"max\": 10}' --on n2") == .request(.put(key: "cfg", value: ["max": 10]), on: .id("n2")))
        #expect(command("put g 'hello world'") == .request(.put(key: "g", value: "hello world"), on: nil))
        #expect(command("get greeting --local") == .request(.get(key: "greeting", local: true), on: nil))
        #expect(command("get --on leader greeting") == .request(.get(key: "greeting", local: false), on: .leader))
        #expect(command("delete greeting") == .request(.delete(key: "greeting"), on: nil))
        #expect(command("cas round null 1") == .request(.compareAndSwap(key: "round", expected: nil, new: 1), on: nil))
        #expect(command("result k v") == .request(.propose(key: "k", value: "v"), on: nil))
        #expect(command("watch cfg --prefix") == .watch(key: "cfg", prefix: true, on: nil))
    }

    @Test("recipes: lock and counter sub-commands with durations, tokens and batches")
    func recipes() {
        #expect(command("lock acquire printer me") == .request(.lockAcquire(name: "printer", holder: "me", ttlMilliseconds: 10_000, waitMilliseconds: nil), on: nil))
        #expect(command("lock acquire printer me 5s --wait 500ms")
                == .request(.lockAcquire(name: "printer", holder: "me", ttlMilliseconds: 5_000, waitMilliseconds: 500), on: nil))
        #expect(command("lock renew printer me 3 2s") == .request(.lockRenew(name: "printer", holder: "me", token: 3, ttlMilliseconds: 2_000), on: nil))
        #expect(command("lock release printer me 3") == .request(.lockRelease(name: "printer", holder: "me", token: 3), on: nil))
        #expect(command("lock show printer") == .request(.lockShow(name: "printer"), on: nil))
        #expect(command("counter incr clicks") == .request(.counterAdd(name: "clicks", delta: 1), on: nil))
        #expect(command("counter decr clicks") == .request(.counterAdd(name: "clicks", delta: -1), on: nil))
        #expect(command("counter add clicks -5") == .request(.counterAdd(name: "clicks", delta: -5), on: nil))
        #expect(command("counter batch a=1 b=-2") == .request(.counterBatch([.init(name: "a", delta: 1), .init(name: "b", delta: -2)]), on: nil))
    }

    @Test("cluster, faults and session commands; leader names the current leader")
    func clusterAndFaults() {
        #expect(command("status") == .status)
        #expect(command("  STATUS  ") == .status)
        #expect(command("kill leader") == .fault(.kill(.leader)))
        #expect(command("restart n1") == .fault(.restart(.id("n1"))))
        #expect(command("partition n1 | n2 n3") == .fault(.partition([.id("n1")], [.id("n2"), .id("n3")])))
        #expect(command("partition n1,leader|n3") == .fault(.partition([.id("n1"), .leader], [.id("n3")])))
        #expect(command("transfer-leader n2") == .transferLeader(.id("n2")))
        #expect(command("vote p-1 yes") == .request(.vote(proposal: "p-1", accept: true), on: nil))
        #expect(command("trace on") == .trace(on: true))
        #expect(command("output json") == .output(.json))
        #expect(command("help lock") == .help("lock"))
        #expect(command("exit") == .quit)
        #expect(command("") == nil)
        #expect(command("# a comment") == nil)
    }

    @Test("a misspelt command gets a suggestion")
    func misspelt() {
        #expect(error("stauts") == "unknown command 'stauts': did you mean 'status'? ('help' lists the commands)")
        #expect(error("pust k v").contains("did you mean 'put'?"))
        #expect(error("xyzzy") == "unknown command 'xyzzy': type 'help' for the list of commands")
    }

    @Test("why, save, optimistic, elect and txn (its JSON read raw, quotes and all)")
    func learningAndRecipes() {
        #expect(command("why") == .why(term: nil))
        #expect(command("why term 3") == .why(term: 3))
        #expect(command("why 4") == .why(term: 4))
        #expect(error("why term x").contains("N is a term number"))
        #expect(command("save s.txt") == .save(path: "s.txt"))
        #expect(command("optimistic incr hits") == .optimisticAdd(key: "hits", delta: 1, on: nil))
        #expect(command("optimistic add hits -3 --on n2") == .optimisticAdd(key: "hits", delta: -3, on: .id("n2")))
        #expect(command("elect campaign game host-a '{\"addr\":\"a\"}' --ttl 5s --wait 1s")
                == .request(.electCampaign(election: "game", candidate: "host-a", value: ["addr": "a"], ttlMilliseconds: 5_000,
                                           waitMilliseconds: 1_000), on: nil))
        #expect(command("elect show game") == .request(.electShow(election: "game"), on: nil))
        #expect(command("elect resign game host-a 3") == .request(.electResign(election: "game", candidate: "host-a", token: 3), on: nil))
        #expect(command(#"txn {"if":[{"type":"absent","key":"a"}],"then":[{"type":"put","key":"a","value":"x y"}]} --on n1"#)
                == .request(.transaction(["if": [["type": "absent", "key": "a"]], "then": [["type": "put", "key": "a", "value": "x y"]]]), on: .id("n1")))
        #expect(command(#"txn '{"then":[]}'"#) == .request(.transaction(["then": []]), on: nil))
        #expect(error("txn").contains("give the transaction as JSON"))
        #expect(error("txn [1]").contains("not a JSON object"))
    }

    @Test("wrong arguments: one line with the problem and the usage")
    func wrongArguments() {
        #expect(error("put onlykey") == "put: missing value; usage: put <key> <value> [--on <member>]")
        #expect(error("get k extra") == "get: unexpected 'extra'; usage: get <key> [--local] [--on <member>]")
        #expect(error("get k --fast").contains("unknown option --fast"))
        #expect(error("get k --on").contains("--on needs a value"))
        #expect(error("lock grab x").contains("unknown sub-command 'grab'"))
        #expect(error("counter ad x 1").contains("did you mean 'add'?"))
        #expect(error("counter add x lots").contains("whole number"))
        #expect(error("lock acquire x me forever").contains("not a duration"))
        #expect(error("partition n1 n2").contains("separate the two groups with |"))
        #expect(error("partition n1 | n1").contains("n1 is in both groups"))
        #expect(error("vote p maybe").contains("yes or no"))
        #expect(error("output yaml").contains("table or json"))
        #expect(error("put k 'open").contains("unterminated quote"))
    }
}
