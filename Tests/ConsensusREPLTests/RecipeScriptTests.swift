import ConsensusREPL
import Testing

/// The script format `consensus run` replays (issue 14): narration, commands, `expect` lines,
/// the mode header, and the diff a mismatch prints.
@Suite("consensus run: the script format")
struct RecipeScriptTests {
    @Test("a script parses into narration, commands with their expect lines, and its header")
    func parses() throws {
        let script = try RecipeScript(parsing: """
            # mode: simulated seed=8 nodes=5
            # First, an election.
            campaign n1
            expect campaign n1
            expect ~ .*pre-candidate.*
            expect ...

            #
            status
            """)
        #expect(script.mode == "simulated")
        #expect(script.settings == ["seed": "8", "nodes": "5"])
        #expect(script.steps == [
            .narration("First, an election."),
            .command("campaign n1", line: 3, expect: [.exact("campaign n1"), .pattern(".*pre-candidate.*"), .anyLines]),
            .narration(""),
            .command("status", line: 9, expect: []),
        ])
    }

    @Test("bad scripts are refused with the line and what to write instead")
    func refusals() {
        #expect(throws: RecipeScript.ParseError(line: 1, message: "an expect line must follow a command")) {
            try RecipeScript(parsing: "expect x")
        }
        #expect(throws: RecipeScript.ParseError.self) { try RecipeScript(parsing: "# mode: turbo\nstatus") }
        #expect(throws: RecipeScript.ParseError.self) { try RecipeScript(parsing: "# mode: simulated seed\nstatus") }
        #expect(throws: RecipeScript.ParseError.self) { try RecipeScript(parsing: "status\nexpect ~ (unclosed") }
    }

    @Test("expect lines: exact, whole-line patterns, and ... for any number of lines")
    func matching() {
        let out = ["campaign n1", "  n1 becomes pre-candidate term:0", "  n1->n2 RequestPreVote term:1 last:0/0  "]
        #expect(OutputMatch.matches(out, [.exact("campaign n1"), .anyLines]))
        #expect(OutputMatch.matches(out, [.anyLines, .exact("  n1->n2 RequestPreVote term:1 last:0/0")]), "trailing spaces are ignored")
        #expect(OutputMatch.matches(out, [.exact("campaign n1"), .pattern(" +n1 becomes .*"), .anyLines]))
        #expect(!OutputMatch.matches(out, [.exact("campaign n1")]), "every line must be accounted for")
        #expect(!OutputMatch.matches(out, [.pattern("n1"), .anyLines]), "a pattern matches the whole line")
        #expect(OutputMatch.matches([], [.anyLines]))
        #expect(!OutputMatch.matches([], [.exact("")]))
    }

    @Test("a mismatch reads as a diff: - what was expected, + what came")
    func diff() {
        let out = ["ok (revision 3)", "x = 1"]
        #expect(OutputMatch.diff(out, [.exact("ok (revision 2)"), .exact("x = 1")]) == [
            "- expect ok (revision 2)", "+ ok (revision 3)", "  (then 1 more output lines and 1 more expect lines)",
        ])
        #expect(OutputMatch.diff(["a", "b", "c"], [.exact("a"), .anyLines, .exact("d")]) == [
            "  a", "  b", "  c", "- expect d", "+ (no more output)",
        ])
        #expect(OutputMatch.diff(["a"], []) == ["- (no more expect lines)", "+ a"])
    }
}
