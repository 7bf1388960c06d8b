import Consensus
@testable import ConsensusREPL
import Testing

/// Help by topic and per command, and tab-completion candidates in context.
@Suite("REPL: help and completion")
struct ReplHelpCompletionTests {
    @Test("help lists every topic and every command; nothing is left 'coming'")
    func overview() {
        let text = ReplHelp.overview
        for topic in CommandSpec.Topic.allCases { #expect(text.contains("\n\(topic.rawValue)\n")) }
        for spec in CommandCatalog.commands { #expect(text.contains(spec.usage), "\(spec.name) missing from help") }
        #expect(!text.contains("(coming)"), "every command in the catalog is built")
        #expect(text.contains("'leader' names the current leader"))
    }

    @Test("help <command> shows usage and details; help <topic> one topic; a typo is suggested")
    func perCommand() {
        guard case .success(let get) = ReplHelp.help("get") else { Issue.record("help get failed"); return }
        #expect(get.hasPrefix("usage: get <key> [--local] [--on <member>]"))
        guard case .success(let put) = ReplHelp.help("propose") else { Issue.record("help propose failed"); return }
        #expect(put.contains("also: propose"))
        guard case .success(let faults) = ReplHelp.help("faults") else { Issue.record("help faults failed"); return }
        #expect(faults.contains("partition <members> | <members>") && !faults.contains("put <key>"))
        guard case .failure(let error) = ReplHelp.help("staus") else { Issue.record("help staus should fail"); return }
        #expect(error.message.contains("did you mean 'help status'?"))
    }

    @Test("every command in the catalog parses or says it is coming (no command without a parser)")
    func catalogParses() {
        for spec in CommandCatalog.commands {
            if case .failure(let error) = ReplParser().parse(spec.name) {
                #expect(!error.message.contains("has no parser"), "\(spec.name): \(error)")
            }
        }
    }

    @Test("completion: commands, sub-commands, members with leader, keys seen")
    func completion() {
        let c = ReplCompletion(members: ["n1", "n2", "n3"], keys: ["greeting", "group"])
        #expect(c.candidates(before: "", word: "st") == ["status"])
        #expect(c.candidates(before: "", word: "p").contains("partition"))
        #expect(c.candidates(before: "lock ", word: "") == ["acquire", "release", "renew", "show"])
        #expect(c.candidates(before: "counter ", word: "in") == ["incr"])
        #expect(c.candidates(before: "kill ", word: "") == ["leader", "n1", "n2", "n3"])
        #expect(c.candidates(before: "partition n1 | ", word: "n") == ["n1", "n2", "n3"])
        #expect(c.candidates(before: "get ", word: "gr") == ["greeting", "group"])
        #expect(c.candidates(before: "get greeting --on ", word: "") == ["leader", "n1", "n2", "n3"])
        #expect(c.candidates(before: "trace ", word: "o") == ["off", "on"])
        #expect(c.candidates(before: "help ", word: "fa") == ["faults"])
        #expect(c.candidates(before: "nosuch ", word: "") == [])
        #expect(c.candidates(before: "put 'open ", word: "") == [])
    }

    @Test("edit distance: the usual typos are one or two edits")
    func editDistance() {
        #expect(EditDistance.between("status", "stauts") == 2)
        #expect(EditDistance.between("", "abc") == 3)
        #expect(EditDistance.between("kill", "kill") == 0)
        #expect(EditDistance.suggestion(for: "restrat", among: CommandCatalog.names) == "restart")
        #expect(EditDistance.suggestion(for: "zzzzzzzz", among: CommandCatalog.names) == nil)
    }
}
