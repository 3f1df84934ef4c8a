// ToolPatternTests: exact names, `*` and `?` globs, literal punctuation, default deny, and no
// catastrophic backtracking.

import Platform
import Testing

@Suite("ToolPattern")
struct ToolPatternTests {
    @Test("exact names match only themselves", arguments: [("get_weather", "get_weather", true), ("get_weather", "get_weather2", false), ("a.b", "aXb", false)])
    func exact(pattern: String, name: String, expected: Bool) {
        #expect(ToolPattern(pattern).matches(name) == expected)
        #expect(!ToolPattern(pattern).isGlob)
    }

    @Test("globs: * any run, ? one character, everything else literal")
    func globs() {
        let cases: [(String, String, Bool)] = [
            ("get_*", "get_weather", true), ("get_*", "get_", true), ("get_*", "set_x", false),
            ("*", "", true), ("*", "anything", true), ("*_admin", "drop_admin", true), ("*_admin", "admin", false),
            ("git_?iff", "git_diff", true), ("git_?iff", "git_iff", false), ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false), ("file.*", "file.read", true), ("file.*", "fileXread", false),
            ("**", "x", true), ("é*", "élan", true), ("?", "é", true),
        ]
        for (pattern, name, expected) in cases {
            #expect(ToolPattern(pattern).matches(name) == expected, "\(pattern) vs \(name)")
        }
    }

    @Test("an empty allow-list allows nothing; any entry that matches allows")
    func allowList() {
        #expect(!ToolPattern.allows([], "echo"))
        #expect(ToolPattern.allows([ToolPattern("x"), ToolPattern("ec*")], "echo"))
        #expect(!ToolPattern.allows([ToolPattern("x"), ToolPattern("ec?")], "echo"))
    }

    @Test("pathological patterns finish quickly (linear matching)")
    func pathological() {
        let pattern = ToolPattern(String(repeating: "a*", count: 64) + "b")
        #expect(!pattern.matches(String(repeating: "a", count: 4096)))
    }
}
