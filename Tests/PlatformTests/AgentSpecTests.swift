// AgentSpecTests: parsing an agent's configuration — defaults, the canonical form and its round
// trip, value equality across spellings, and every validation rule with its exact JSON path and
// message (required fields, lengths, ranges, slugs, the model reference, the prompt template,
// unknown fields at every level), all issues of a document reported together.

import JSON
import Platform
import Testing

private func issue(_ path: String, _ reason: String) -> ValidationIssue { ValidationIssue(path: path, reason: reason) }

private func repeated(_ text: String, _ count: Int) -> String { String(repeating: text, count: count) }

@Suite("AgentSpec")
struct AgentSpecTests {
    // MARK: - Defaults and canonical form

    @Test("a minimal spec gets every default, and its canonical JSON writes them out in a fixed order")
    func minimalDefaults() throws {
        let parsed = try spec()
        #expect(parsed.name == "Support")
        #expect(parsed.description == nil)
        #expect(parsed.instructions == "Help {{customer}} with {{topic}}.")
        #expect(parsed.variables == ["customer", "topic"])
        #expect(parsed.model == "anthropic/claude-sonnet-4")
        #expect(parsed.provider == "anthropic")
        #expect(parsed.modelName == "claude-sonnet-4")
        #expect(parsed.settings == .providerDefaults)
        #expect(parsed.tags.isEmpty)
        #expect(parsed.maxSteps == 10)
        #expect(parsed.historyRuns == 5)
        #expect(parsed.bindings.isEmpty)
        #expect(parsed.subAgents.isEmpty)
        #expect(parsed.visibility == .private)
        #expect(parsed.credentialNames.isEmpty)
        #expect(parsed.canonicalText == """
            {"name":"Support","instructions":"Help {{customer}} with {{topic}}.","model":"anthropic/claude-sonnet-4",\
            "settings":{},"tags":[],"max_steps":10,"history":{"runs":5},"bindings":[],"sub_agents":[],"visibility":"private"}
            """)
    }

    static let full: JSONValue = [
        "visibility": "exposed",
        "name": "Triage bot",
        "description": "Sorts incoming issues.\nSecond line.",
        "instructions": "You triage for {{team}}.\nUse {{ label_set }} labels; greet {{team}} again.",
        "model": "openrouter/meta-llama/llama-3.1-70b",
        "settings": ["max_tokens": 4096, "temperature": 0.3],
        "tags": ["ops", "triage"],
        "max_steps": 25,
        "history": ["runs": 0],
        "sub_agents": ["summarizer", "labeler"],
        "bindings": [
            [
                "server": "github",
                "allowed_tools": ["search_*", "get_issue", "add_label"],
                "override_headers": ["X-Team": "ops", "Authorization": "Bearer ${credential:github_token}"],
                "timeout_s": 120,
                "run_behavior": "request_confirmation",
                "tools": [
                    "search_issues": ["run_behavior": "auto_run", "alias": "find_issues"],
                    "add_label": ["timeout_s": 10],
                ],
            ],
            ["server": "jira", "allowed_tools": ["*"]],
        ],
    ]

    @Test("a full spec parses every field")
    func fullSpec() throws {
        let parsed = try spec(Self.full)
        #expect(parsed.description == "Sorts incoming issues.\nSecond line.")
        #expect(parsed.variables == ["team", "label_set"])
        #expect(parsed.provider == "openrouter")
        #expect(parsed.modelName == "meta-llama/llama-3.1-70b")
        #expect(parsed.settings.temperature == 0.3)
        #expect(parsed.settings.maxTokens == 4096)
        #expect(parsed.tags == ["ops", "triage"])
        #expect(parsed.maxSteps == 25)
        #expect(parsed.historyRuns == 0)
        #expect(parsed.subAgents == ["summarizer", "labeler"])
        #expect(parsed.visibility == .exposed)
        #expect(parsed.bindings.map(\.server) == ["github", "jira"])
        #expect(parsed.binding(for: "jira")?.allows(tool: "anything") == true)
        #expect(parsed.binding(for: "slack") == nil)
        #expect(parsed.credentialNames == ["github_token"])
    }

    @Test("parse(spec.json) == spec, also through text, and the canonical text is stable")
    func roundTrip() throws {
        for json in [specJSON(), Self.full] {
            let parsed = try spec(json)
            #expect(try AgentSpec.parse(parsed.json) == parsed)
            let reparsed = try AgentSpec.parse(try JSONParser.parse(parsed.canonicalText))
            #expect(reparsed == parsed)
            #expect(reparsed.canonicalText == parsed.canonicalText)
        }
    }

    @Test("explicit defaults, null members, member order and integer temperatures compare equal by value")
    func valueEquality() throws {
        let explicit = try spec([
            ("description", nil), ("settings", [:]), ("tags", []), ("max_steps", 10), ("history", ["runs": 5]),
            ("bindings", []), ("sub_agents", []), ("visibility", "private"),
        ])
        #expect(explicit == (try spec()))
        #expect(try spec([("history", [:])]) == (try spec()))
        #expect(try spec([("settings", ["temperature": 1])]) == (try spec([("settings", ["temperature": 1.0])])))

        let reordered: JSONValue = [
            "model": "anthropic/claude-sonnet-4", "instructions": "Help {{customer}} with {{topic}}.", "name": "Support",
            "bindings": [[
                "tools": ["b": ["alias": "bee"], "a": ["timeout_s": 5]],
                "override_headers": ["X-B": "2", "x-a": "1"],
                "server": "s",
            ]],
        ]
        let ordered = specJSON([("bindings", [[
            "server": "s",
            "override_headers": ["x-a": "1", "X-B": "2"],
            "tools": ["a": ["timeout_s": 5], "b": ["alias": "bee"]],
        ]])])
        #expect(try spec(reordered) == (try spec(ordered)))
        #expect(try spec(reordered).canonicalText == (try spec(ordered)).canonicalText)
    }

    @Test("changing any field makes a different value")
    func differentValues() throws {
        let base = try spec()
        let variants: [[(String, JSONValue)]] = [
            [("name", "Other")], [("description", "d")], [("instructions", "x")], [("model", "openai/gpt-4o")],
            [("settings", ["max_tokens": 5])], [("tags", ["a"])], [("max_steps", 11)], [("history", ["runs": 4])],
            [("bindings", [["server": "s"]])], [("sub_agents", ["x"])], [("visibility", "exposed")],
        ]
        for variant in variants {
            #expect(try spec(variant) != base, "\(variant)")
        }
    }

    // MARK: - Required fields and document shape

    @Test("name, instructions and model are required; a non-object document is one issue at $")
    func requiredFields() throws {
        #expect(try specIssues([:]) == [
            issue("$.name", "is required"), issue("$.instructions", "is required"), issue("$.model", "is required"),
        ])
        #expect(try specIssues(["name": nil, "instructions": "x", "model": "a/b"]) == [issue("$.name", "is required")])
        #expect(try specIssues(["a"]) == [
            issue("$", "must be an object (got array)"),
            issue("$.name", "is required"), issue("$.instructions", "is required"), issue("$.model", "is required"),
        ])
    }

    @Test("issues are reported under the given base path when the spec is embedded in a larger document")
    func basePath() throws {
        let found = try issuesThrown { _ = try AgentSpec.parse(specJSON([("max_steps", 0)]), path: "$.agents[2]") }
        #expect(found == [issue("$.agents[2].max_steps", "must be between 1 and 100 (got 0)")])
        let shared = ValidationIssues()
        #expect(AgentSpec.parse(specJSON([("tags", [1])]), path: "$.a", issues: shared) == nil)
        #expect(AgentSpec.parse(specJSON(), path: "$.b", issues: shared) != nil)
        #expect(shared.all == [issue("$.a.tags[0]", "must be a string (got number)")])
    }

    // MARK: - Text fields

    @Test("name: 1–64 characters without control characters")
    func name() throws {
        #expect(try spec([("name", .string(repeated("é", 64)))]).name.count == 64)
        #expect(try specIssues(specJSON([("name", .string(repeated("a", 65)))])) == [issue("$.name", "must be at most 64 characters (got 65)")])
        #expect(try specIssues(specJSON([("name", "")])) == [issue("$.name", "must not be empty")])
        #expect(try specIssues(specJSON([("name", "two\nlines")])) == [issue("$.name", "must not contain control characters or line breaks")])
        #expect(try specIssues(specJSON([("name", 5)])) == [issue("$.name", "must be a string (got number)")])
    }

    @Test("description: at most 1024 characters, line breaks and tabs allowed, other control characters not")
    func description() throws {
        #expect(try spec([("description", .string(repeated("d", 1024)))]).description?.count == 1024)
        #expect(try spec([("description", "a\r\n\tb")]).description == "a\r\n\tb")
        #expect(try specIssues(specJSON([("description", .string(repeated("d", 1025)))]))
            == [issue("$.description", "must be at most 1024 characters (got 1025)")])
        #expect(try specIssues(specJSON([("description", "bell\u{7}")]))
            == [issue("$.description", "must not contain control characters other than tab and line breaks")])
        #expect(try specIssues(specJSON([("description", "")])) == [issue("$.description", "must not be empty")])
    }

    @Test("instructions: at most 65536 characters, multi-line, no NUL")
    func instructionsLength() throws {
        #expect(try spec([("instructions", .string(repeated("i", 65536)))]).instructions.count == 65536)
        #expect(try spec([("instructions", "line 1\nline 2\n")]).variables.isEmpty)
        #expect(try specIssues(specJSON([("instructions", .string(repeated("i", 65537)))]))
            == [issue("$.instructions", "must be at most 65536 characters (got 65537)")])
        #expect(try specIssues(specJSON([("instructions", "a\u{0}b")]))
            == [issue("$.instructions", "must not contain control characters other than tab and line breaks")])
    }

    // MARK: - Prompt template

    @Test("placeholders: distinct names in order of first use, spaces inside braces allowed, lone }} is text")
    func placeholders() throws {
        let parsed = try spec([("instructions", "{{b}} then {{ a }} then {{b}} and {{_x9}}; done }} {not one}")])
        #expect(parsed.variables == ["b", "a", "_x9"])
        #expect(try spec([("instructions", .string("{{" + repeated("v", 64) + "}}"))]).variables == [repeated("v", 64)])
        #expect(parsed.template.parts == [
            .variable("b"), .literal(" then "), .variable("a"), .literal(" then "), .variable("b"), .literal(" and "),
            .variable("_x9"), .literal("; done }} {not one}"),
        ])
    }

    @Test("an unterminated {{ is an issue at $.instructions naming its line")
    func unterminated() throws {
        #expect(try specIssues(specJSON([("instructions", "Hello\nworld {{name")]))
            == [issue("$.instructions", "unterminated \"{{\" on line 2 (a placeholder must be closed with \"}}\")")])
        #expect(try specIssues(specJSON([("instructions", "{{a}} {{")]))
            == [issue("$.instructions", "unterminated \"{{\" on line 1 (a placeholder must be closed with \"}}\")")])
    }

    @Test("a bad placeholder name is an issue at $.instructions; every bad one is reported")
    func badNames() throws {
        let syntax = "[A-Za-z_][A-Za-z0-9_]{0,63}"
        for bad in ["user name", "1abc", "", "  ", "a-b", "é", repeated("v", 65), "{x"] {
            #expect(try specIssues(specJSON([("instructions", .string("x {{\(bad)}} y"))]))
                == [issue("$.instructions", "placeholder on line 1 must be {{name}} with name matching \(syntax) (got \"{{\(bad)}}\")")],
                "\(bad)")
        }
        #expect(try specIssues(specJSON([("instructions", "{{a b}}\n{{ok}}\n{{c-d}}")])) == [
            issue("$.instructions", "placeholder on line 1 must be {{name}} with name matching \(syntax) (got \"{{a b}}\")"),
            issue("$.instructions", "placeholder on line 3 must be {{name}} with name matching \(syntax) (got \"{{c-d}}\")"),
        ])
    }

    @Test("render substitutes values as plain text and lists the missing ones")
    func render() throws {
        let template = try spec([("instructions", "Hi {{who}}, about {{what}} and {{who}}; {{gone}}.")]).template
        let result = template.render(["who": "{{what}}", "what": "tea"])
        #expect(result.text == "Hi {{what}}, about tea and {{what}}; .")
        #expect(result.missing == ["gone"])
    }

    // MARK: - Model

    @Test("model: provider slug, /, then 1–128 visible characters (which may include /)")
    func model() throws {
        let nested = try spec([("model", "openrouter/meta/llama-3")])
        #expect(nested.provider == "openrouter")
        #expect(nested.modelName == "meta/llama-3")
        #expect(try spec([("model", .string("p/" + repeated("m", 128)))]).modelName.count == 128)
        #expect(try specIssues(specJSON([("model", "gpt4")]))
            == [issue("$.model", "must be \"provider/model\", e.g. \"anthropic/claude-sonnet-4\" (got \"gpt4\")")])
        #expect(try specIssues(specJSON([("model", "open ai/gpt")]))
            == [issue("$.model", "provider must be 1–64 of A–Z a–z 0–9 _ - (got \"open ai/gpt\")")])
        #expect(try specIssues(specJSON([("model", "/gpt")]))
            == [issue("$.model", "provider must be 1–64 of A–Z a–z 0–9 _ - (got \"/gpt\")")])
        for bad in ["openai/", "openai/gpt 4", "openai/gpt\u{A0}4", "p/" + repeated("m", 129)] {
            #expect(try specIssues(specJSON([("model", .string(bad))]))
                == [issue("$.model", "model name after \"/\" must be 1–128 visible characters without spaces (got \(JSONWriter.string(.string(bad))))")],
                "\(bad)")
        }
    }

    // MARK: - Settings, tags, ranges

    @Test("settings: temperature 0…2, max_tokens 1…200000, unknown keys rejected")
    func settings() throws {
        let edges = try spec([("settings", ["temperature": 0, "max_tokens": 200000])])
        #expect(edges.settings.temperature == 0)
        #expect(edges.settings.maxTokens == 200000)
        #expect(try spec([("settings", ["temperature": 2, "max_tokens": 1])]).settings.temperature == 2)
        #expect(try specIssues(specJSON([("settings", ["temperature": 2.5, "max_tokens": 0, "top_p": 0.9])])) == [
            issue("$.settings.temperature", "must be between 0.0 and 2.0 (got 2.5)"),
            issue("$.settings.max_tokens", "must be between 1 and 200000 (got 0)"),
            issue("$.settings.top_p", "unknown field"),
        ])
        #expect(try specIssues(specJSON([("settings", ["temperature": -0.1, "max_tokens": 200001])])) == [
            issue("$.settings.temperature", "must be between 0.0 and 2.0 (got -0.1)"),
            issue("$.settings.max_tokens", "must be between 1 and 200000 (got 200001)"),
        ])
        #expect(try specIssues(specJSON([("settings", ["temperature": "hot", "max_tokens": 1.5])])) == [
            issue("$.settings.temperature", "must be a number (got string)"),
            issue("$.settings.max_tokens", "must be an integer (got number)"),
        ])
        #expect(try specIssues(specJSON([("settings", [1])])) == [issue("$.settings", "must be an object (got array)")])
    }

    @Test("tags: at most 32 distinct slugs")
    func tags() throws {
        let many = JSONValue.array((0..<32).map { .string("t\($0)") })
        #expect(try spec([("tags", many)]).tags.count == 32)
        let tooMany = JSONValue.array((0..<33).map { .string("t\($0)") })
        #expect(try specIssues(specJSON([("tags", tooMany)])) == [issue("$.tags", "must have at most 32 items (got 33)")])
        #expect(try specIssues(specJSON([("tags", ["ok", "bad tag", "ok", 7, .string(repeated("t", 65))])])) == [
            issue("$.tags[1]", "must be 1–64 of A–Z a–z 0–9 _ - (got \"bad tag\")"),
            issue("$.tags[2]", "duplicates an earlier item \"ok\""),
            issue("$.tags[3]", "must be a string (got number)"),
            issue("$.tags[4]", "must be 1–64 of A–Z a–z 0–9 _ - (got \"\(repeated("t", 65))\")"),
        ])
        #expect(try specIssues(specJSON([("tags", "ops")])) == [issue("$.tags", "must be an array (got string)")])
    }

    @Test("max_steps: integer 1…100")
    func maxSteps() throws {
        #expect(try spec([("max_steps", 1)]).maxSteps == 1)
        #expect(try spec([("max_steps", 100)]).maxSteps == 100)
        #expect(try specIssues(specJSON([("max_steps", 0)])) == [issue("$.max_steps", "must be between 1 and 100 (got 0)")])
        #expect(try specIssues(specJSON([("max_steps", 101)])) == [issue("$.max_steps", "must be between 1 and 100 (got 101)")])
        #expect(try specIssues(specJSON([("max_steps", 10.5)])) == [issue("$.max_steps", "must be an integer (got number)")])
        #expect(try specIssues(specJSON([("max_steps", "10")])) == [issue("$.max_steps", "must be an integer (got string)")])
    }

    @Test("history: { runs: 0…50 }, unknown keys rejected")
    func history() throws {
        #expect(try spec([("history", ["runs": 50])]).historyRuns == 50)
        #expect(try specIssues(specJSON([("history", ["runs": 51, "days": 3])])) == [
            issue("$.history.runs", "must be between 0 and 50 (got 51)"),
            issue("$.history.days", "unknown field"),
        ])
        #expect(try specIssues(specJSON([("history", ["runs": -1])])) == [issue("$.history.runs", "must be between 0 and 50 (got -1)")])
        #expect(try specIssues(specJSON([("history", 5)])) == [issue("$.history", "must be an object (got number)")])
    }

    @Test("bindings: at most 32, each server at most once, each a valid binding")
    func bindings() throws {
        let max = JSONValue.array((0..<32).map { bindingJSON("s\($0)") })
        #expect(try spec([("bindings", max)]).bindings.count == 32)
        let tooMany = JSONValue.array((0..<33).map { bindingJSON("s\($0)") })
        #expect(try specIssues(specJSON([("bindings", tooMany)])) == [issue("$.bindings", "must have at most 32 items (got 33)")])
        #expect(try specIssues(specJSON([("bindings", [bindingJSON("github"), bindingJSON("jira"), bindingJSON("github")])]))
            == [issue("$.bindings[2].server", "server \"github\" is already bound at $.bindings[0]")])
        #expect(try specIssues(specJSON([("bindings", [["allowed_tools": ["x"]], "github"])])) == [
            issue("$.bindings[0].server", "is required"),
            issue("$.bindings[1]", "must be an object (got string)"),
            issue("$.bindings[1].server", "is required"),
        ])
        #expect(try specIssues(specJSON([("bindings", [bindingJSON("git hub")])]))
            == [issue("$.bindings[0].server", "must be 1–64 of A–Z a–z 0–9 _ - (got \"git hub\")")])
    }

    @Test("sub_agents: at most 16 distinct slugs")
    func subAgents() throws {
        #expect(try spec([("sub_agents", .array((0..<16).map { .string("a\($0)") }))]).subAgents.count == 16)
        #expect(try specIssues(specJSON([("sub_agents", .array((0..<17).map { .string("a\($0)") }))]))
            == [issue("$.sub_agents", "must have at most 16 items (got 17)")])
        #expect(try specIssues(specJSON([("sub_agents", ["x", "x", "y z"])])) == [
            issue("$.sub_agents[1]", "duplicates an earlier item \"x\""),
            issue("$.sub_agents[2]", "must be 1–64 of A–Z a–z 0–9 _ - (got \"y z\")"),
        ])
    }

    @Test("visibility: private or exposed")
    func visibility() throws {
        #expect(try spec([("visibility", "exposed")]).visibility == .exposed)
        #expect(try specIssues(specJSON([("visibility", "public")]))
            == [issue("$.visibility", "must be one of private, exposed (got \"public\")")])
    }

    // MARK: - Unknown fields and collection

    @Test("unknown fields are issues at the top level and at every nested level, with quoted paths for odd keys")
    func unknownFields() throws {
        #expect(try specIssues(specJSON([("max_step", 3), ("system-prompt", "x")])) == [
            issue("$.max_step", "unknown field"), issue("$[\"system-prompt\"]", "unknown field"),
        ])
        let nested = specJSON([("bindings", [[
            "server": "github", "timeout": 150,
            "tools": ["create_issue": ["allowed": true], "get-pr": ["aliass": "x"]],
        ]])])
        #expect(try specIssues(nested) == [
            issue("$.bindings[0].tools.create_issue.allowed", "unknown field"),
            issue("$.bindings[0].tools[\"get-pr\"].aliass", "unknown field"),
            issue("$.bindings[0].timeout", "unknown field"),
        ])
    }

    @Test("every issue of a document is reported at once, in document-reading order")
    func allIssuesTogether() throws {
        let json: JSONValue = [
            "name": "", "instructions": "{{bad name}}", "model": "nope", "max_steps": 0, "visibility": "public",
            "bindings": [["server": "s", "timeout_s": 0]], "extra": true,
        ]
        let found = try specIssues(json)
        #expect(found.map(\.path) == [
            "$.name", "$.instructions", "$.model", "$.max_steps", "$.bindings[0].timeout_s", "$.visibility", "$.extra",
        ])
        do {
            _ = try AgentSpec.parse(json)
            Issue.record("expected a throw")
        } catch {
            #expect(error == .invalid(found))
        }
    }
}
