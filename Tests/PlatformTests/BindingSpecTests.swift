// BindingSpecTests: agent → upstream bindings — default deny, exact names vs globs, per-tool run
// behavior / timeout / alias overrides with their fallbacks, header templates with credential
// references (and every way a header is refused: CR/LF, reserved names, bad tokens, bad
// `${credential:…}` references, case-insensitive duplicates), ranges and the canonical form.

import JSON
import Platform
import Testing

private func issue(_ path: String, _ reason: String) -> ValidationIssue { ValidationIssue(path: path, reason: reason) }

/// The issues of a spec with one binding `binding`.
private func bindingIssues(_ binding: JSONValue) throws -> [ValidationIssue] {
    try specIssues(specJSON([("bindings", [binding])]))
}

private func binding(_ json: JSONValue) throws -> BindingSpec { try BindingSpec.parse(json) }

@Suite("BindingSpec")
struct BindingSpecTests {
    @Test("defaults: allow-list and timeout left to the server (nothing and 30 s until resolved), auto_run, no headers, no overrides")
    func defaults() throws {
        let parsed = try binding(["server": "github"])
        #expect(parsed.server == "github")
        #expect(parsed.allowedTools.isEmpty && parsed.inheritsAllowedTools)
        #expect(parsed.timeoutSeconds == UpstreamServerSpec.defaultTimeoutSeconds && parsed.inheritsTimeout)
        #expect(parsed.runBehavior == .autoRun)
        #expect(parsed.overrideHeaders.isEmpty)
        #expect(parsed.tools.isEmpty)
        #expect(parsed.credentialNames.isEmpty)
        for tool in ["search", "", "*", "get_issue"] {
            #expect(!parsed.allows(tool: tool), "default deny: \(tool)")
        }
        #expect(parsed.runBehavior(for: "x") == .autoRun)
        #expect(parsed.timeoutSeconds(for: "x") == UpstreamServerSpec.defaultTimeoutSeconds)
        #expect(parsed.alias(for: "x") == nil)
        #expect(JSONWriter.string(parsed.json) == """
            {"server":"github","override_headers":{},"run_behavior":"auto_run","tools":{}}
            """)
    }

    @Test("exact names match only themselves; * and ? are the only wildcards")
    func allowList() throws {
        let parsed = try binding(["server": "s", "allowed_tools": ["search_issues", "get_*", "list_?", "repo.read"]])
        let allowed = ["search_issues", "get_pr", "get_", "get_a_b_c", "list_a", "repo.read"]
        let denied = ["search_issues2", "Search_issues", "search", "list_ab", "list_", "repoXread", "create_issue", "xget_pr"]
        for tool in allowed { #expect(parsed.allows(tool: tool), "\(tool)") }
        for tool in denied { #expect(!parsed.allows(tool: tool), "\(tool)") }
        let all = try binding(["server": "s", "allowed_tools": ["*"]])
        #expect(all.allows(tool: "anything.at/all"))
    }

    @Test("per-tool overrides win over the binding's values; other tools fall back")
    func overrides() throws {
        let parsed = try binding([
            "server": "github", "allowed_tools": ["*"], "timeout_s": 120, "run_behavior": "request_confirmation",
            "tools": [
                "search_issues": ["run_behavior": "auto_run", "alias": "find_issues"],
                "delete_repo": ["timeout_s": 5],
                "noop": [:],
            ],
        ])
        #expect(parsed.runBehavior(for: "search_issues") == .autoRun)
        #expect(parsed.timeoutSeconds(for: "search_issues") == 120)
        #expect(parsed.alias(for: "search_issues") == "find_issues")
        #expect(parsed.runBehavior(for: "delete_repo") == .requestConfirmation)
        #expect(parsed.timeoutSeconds(for: "delete_repo") == 5)
        #expect(parsed.alias(for: "delete_repo") == nil)
        #expect(parsed.runBehavior(for: "noop") == .requestConfirmation)
        #expect(parsed.runBehavior(for: "other") == .requestConfirmation)
        #expect(parsed.timeoutSeconds(for: "other") == 120)
        #expect(parsed.toolName(forAlias: "find_issues") == "search_issues")
        #expect(parsed.toolName(forAlias: "search_issues") == nil)
        #expect(JSONWriter.string(parsed.json) == """
            {"server":"github","allowed_tools":["*"],"override_headers":{},"timeout_s":120,"run_behavior":"request_confirmation",\
            "tools":{"delete_repo":{"timeout_s":5},"noop":{},"search_issues":{"run_behavior":"auto_run","alias":"find_issues"}}}
            """)
    }

    @Test("timeout_s is 1…300 for the binding and for each tool")
    func timeouts() throws {
        #expect(try binding(["server": "s", "timeout_s": 1]).timeoutSeconds == 1)
        #expect(try binding(["server": "s", "timeout_s": 300]).timeoutSeconds == 300)
        #expect(try bindingIssues(["server": "s", "timeout_s": 0]) == [issue("$.bindings[0].timeout_s", "must be between 1 and 300 (got 0)")])
        #expect(try bindingIssues(["server": "s", "timeout_s": 301]) == [issue("$.bindings[0].timeout_s", "must be between 1 and 300 (got 301)")])
        #expect(try bindingIssues(["server": "s", "timeout_s": "60"]) == [issue("$.bindings[0].timeout_s", "must be an integer (got string)")])
        #expect(try bindingIssues(["server": "s", "tools": ["create_issue": ["timeout_s": 301]]])
            == [issue("$.bindings[0].tools.create_issue.timeout_s", "must be between 1 and 300 (got 301)")])
        #expect(try bindingIssues(["server": "s", "tools": ["create_issue": ["timeout_s": 0]]])
            == [issue("$.bindings[0].tools.create_issue.timeout_s", "must be between 1 and 300 (got 0)")])
    }

    @Test("run_behavior is auto_run or request_confirmation, per binding and per tool")
    func runBehavior() throws {
        let expected = "must be one of auto_run, request_confirmation (got \"ask\")"
        #expect(try bindingIssues(["server": "s", "run_behavior": "ask"]) == [issue("$.bindings[0].run_behavior", expected)])
        #expect(try bindingIssues(["server": "s", "tools": ["t": ["run_behavior": "ask"]]])
            == [issue("$.bindings[0].tools.t.run_behavior", expected)])
    }

    @Test("aliases are names every client accepts (no dots, no \"__\"), unique within the binding")
    func aliases() throws {
        #expect(try binding(["server": "s", "tools": ["t": ["alias": "ab-c_D9"]]]).alias(for: "t") == "ab-c_D9")
        #expect(try bindingIssues(["server": "s", "tools": ["t": ["alias": "has space"]]]) == [
            issue("$.bindings[0].tools.t.alias", "must be 1–64 of A–Z a–z 0–9 _ - without \"__\" (a tool name every client accepts; \"__\" separates server and tool in generated names) (got \"has space\")"),
        ])
        #expect(try bindingIssues(["server": "s", "tools": ["t": ["alias": "a/b"]]]) == [
            issue("$.bindings[0].tools.t.alias", "must be 1–64 of A–Z a–z 0–9 _ - without \"__\" (a tool name every client accepts; \"__\" separates server and tool in generated names) (got \"a/b\")"),
        ])
        for rejected in ["a.b", "x__y"] {
            #expect(try bindingIssues(["server": "s", "tools": ["t": ["alias": .string(rejected)]]])
                == [issue("$.bindings[0].tools.t.alias", "\(ToolOverride.aliasProblem) (got \"\(rejected)\")")])
        }
        #expect(try bindingIssues(["server": "s", "tools": ["t": ["alias": .string(String(repeating: "a", count: 65))]]])
            == [issue("$.bindings[0].tools.t.alias", "must be at most 64 characters (got 65)")])
        #expect(try bindingIssues(["server": "s", "tools": ["a": ["alias": "same"], "b": ["alias": "same"]]])
            == [issue("$.bindings[0].tools.b.alias", "duplicates the alias of tool \"a\"")])
    }

    @Test("tool names in tools: 1–128 characters without control characters; an override must be an object")
    func toolKeys() throws {
        #expect(try bindingIssues(["server": "s", "tools": ["": ["timeout_s": 5]]])
            == [issue("$.bindings[0].tools[\"\"]", "must not be empty")])
        let long = String(repeating: "t", count: 129)
        #expect(try bindingIssues(.object(JSONObject([("server", "s"), ("tools", .object(JSONObject([(long, JSONValue.object([:]))])))] as [(String, JSONValue)])))
            == [issue("$.bindings[0].tools.\(long)", "must be at most 128 characters (got 129)")])
        #expect(try bindingIssues(["server": "s", "tools": ["t": true]]) == [issue("$.bindings[0].tools.t", "must be an object (got boolean)")])
        #expect(try bindingIssues(["server": "s", "tools": ["t"]]) == [issue("$.bindings[0].tools", "must be an object (got array)")])
    }

    @Test("allowed_tools: at most 256 distinct entries of 1–128 characters")
    func allowedToolsLimits() throws {
        let max = JSONValue.array((0..<256).map { .string("t\($0)") })
        #expect(try binding(["server": "s", "allowed_tools": max]).allowedTools.count == 256)
        let tooMany = JSONValue.array((0..<257).map { .string("t\($0)") })
        #expect(try bindingIssues(["server": "s", "allowed_tools": tooMany])
            == [issue("$.bindings[0].allowed_tools", "must have at most 256 items (got 257)")])
        #expect(try bindingIssues(["server": "s", "allowed_tools": [.string(String(repeating: "x", count: 129)), "", "a", "a", "b\nc"]]) == [
            issue("$.bindings[0].allowed_tools[0]", "must be at most 128 characters (got 129)"),
            issue("$.bindings[0].allowed_tools[1]", "must not be empty"),
            issue("$.bindings[0].allowed_tools[3]", "duplicates an earlier item \"a\""),
            issue("$.bindings[0].allowed_tools[4]", "must not contain control characters or line breaks"),
        ])
    }

    // MARK: - Headers

    @Test("headers may reference credentials; names are listed distinct, in order, per binding and per agent")
    func credentialHeaders() throws {
        let parsed = try binding([
            "server": "github",
            "override_headers": [
                "Authorization": "Bearer ${credential:github}",
                "X-Both": "${credential:org}:${credential:github}",
                "X-Plain": "static",
            ],
        ])
        #expect(parsed.overrideHeaders.map(\.name) == ["Authorization", "X-Both", "X-Plain"])
        #expect(parsed.credentialNames == ["github", "org"])
        #expect(parsed.overrideHeaders[0].parts == [.literal("Bearer "), .credential("github")])
        let agent = try spec([("bindings", [
            ["server": "a", "override_headers": ["Authorization": "${credential:jira}"]],
            ["server": "b", "override_headers": ["X-Key": "${credential:github}", "X-Other": "${credential:jira}"]],
        ])])
        #expect(agent.credentialNames == ["jira", "github"])
    }

    @Test("header values with CR, LF or NUL are refused at the header's path")
    func headerInjection() throws {
        let reason = "header value must not contain control characters (CR, LF, NUL, …)"
        for value in ["a\r\nX-Evil: 1", "line\nbreak", "cr\r", "nul\u{0}", "Bearer ${credential:x}\r\n"] {
            #expect(try bindingIssues(["server": "s", "override_headers": ["Authorization": .string(value)]])
                == [issue("$.bindings[0].override_headers.Authorization", reason)], "\(value)")
        }
        #expect(try bindingIssues(["server": "s", "override_headers": ["X-Trace": "a\nb"]])
            == [issue("$.bindings[0].override_headers[\"X-Trace\"]", reason)])
    }

    @Test("reserved header names and non-token names are refused")
    func headerNames() throws {
        for name in ["Host", "content-length", "Transfer-Encoding", "Connection", "Mcp-Session-Id", "MCP-Protocol-Version"] {
            let path = SpecReader.path("$.bindings[0].override_headers", name)
            #expect(try bindingIssues(["server": "s", "override_headers": .object(JSONObject([(name, JSONValue.string("x"))]))])
                == [issue(path, "header \(name) cannot be overridden (it belongs to the HTTP or MCP transport)")], "\(name)")
        }
        #expect(try bindingIssues(["server": "s", "override_headers": ["Bad Header": "x"]]) == [
            issue("$.bindings[0].override_headers[\"Bad Header\"]", "header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"),
        ])
    }

    @Test("credential references must be ${credential:SLUG} and terminated")
    func badReferences() throws {
        func reason(_ inner: String) -> String {
            "references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${\(inner)})"
        }
        let cases: [(String, String)] = [
            ("Bearer ${credential:}", reason("credential:")),
            ("${secret:github}", reason("secret:github")),
            ("${credential:git hub}", reason("credential:git hub")),
            ("${credential:github", "unterminated ${…} reference"),
            ("${}", reason("")),
        ]
        for (value, expected) in cases {
            #expect(try bindingIssues(["server": "s", "override_headers": ["Authorization": .string(value)]])
                == [issue("$.bindings[0].override_headers.Authorization", expected)], "\(value)")
        }
    }

    @Test("header values must be non-empty strings; names are unique ignoring case; order does not matter")
    func headerShapes() throws {
        #expect(try bindingIssues(["server": "s", "override_headers": ["X-A": 5]])
            == [issue("$.bindings[0].override_headers[\"X-A\"]", "must be a string (got number)")])
        #expect(try bindingIssues(["server": "s", "override_headers": ["X-A": ""]])
            == [issue("$.bindings[0].override_headers[\"X-A\"]", "header value must not be empty")])
        #expect(try bindingIssues(["server": "s", "override_headers": ["Authorization": "a", "authorization": "b"]])
            == [issue("$.bindings[0].override_headers.authorization", "duplicates header Authorization (header names are case-insensitive)")])
        #expect(try bindingIssues(["server": "s", "override_headers": "Bearer x"])
            == [issue("$.bindings[0].override_headers", "must be an object (got string)")])
        let sorted = try binding(["server": "s", "override_headers": ["b": "2", "A": "1", "c": "3"]])
        #expect(sorted.overrideHeaders.map(\.name) == ["A", "b", "c"])
        #expect(JSONWriter.string(sorted.json["override_headers"]!) == #"{"A":"1","b":"2","c":"3"}"#)
    }

    @Test("parse on its own reports issues from $ and round-trips through json")
    func standalone() throws {
        let found = try issuesThrown { _ = try BindingSpec.parse(["server": "s", "timeout_s": 0, "extra": 1]) }
        #expect(found == [issue("$.timeout_s", "must be between 1 and 300 (got 0)"), issue("$.extra", "unknown field")])
        let full = try binding([
            "server": "s", "allowed_tools": ["a*"], "override_headers": ["Authorization": "Bearer ${credential:k}"],
            "timeout_s": 9, "run_behavior": "request_confirmation", "tools": ["a1": ["alias": "x", "timeout_s": 3]],
        ])
        #expect(try BindingSpec.parse(full.json) == full)
    }

    @Test("prompts and resources: default deny, exact and glob entries, written to the canonical form only when set")
    func promptsAndResources() throws {
        let plain = try binding(["server": "docs"])
        #expect(!plain.allows(prompt: "summary") && !plain.allows(resource: "file:///a"))
        let parsed = try binding(["server": "docs", "allowed_prompts": ["summary", "review_*"], "allowed_resources": ["file:///docs/*", "test://static"]])
        #expect(parsed.allows(prompt: "summary") && parsed.allows(prompt: "review_pr") && !parsed.allows(prompt: "other"))
        #expect(parsed.allows(resource: "file:///docs/a/b.md") && parsed.allows(resource: "test://static"))
        #expect(!parsed.allows(resource: "file:///etc/passwd") && !parsed.allows(resource: "test://static2"))
        #expect(parsed.json["allowed_prompts"] == ["summary", "review_*"])
        #expect(try binding(parsed.json) == parsed, "round trip")
        #expect(plain.json["allowed_prompts"] == nil && plain.json["allowed_resources"] == nil)
        let issues = try bindingIssues(["server": "docs", "allowed_resources": [.string(String(repeating: "x", count: 2049))]])
        #expect(issues.count == 1 && issues.first?.path == "$.bindings[0].allowed_resources[0]")
    }

    @Test("a binding without allowed_tools or timeout_s takes its server's; its own values — even [] — win")
    func serverDefaults() throws {
        let server = try UpstreamServerSpec.parse(["transport": "stdio", "command": "x", "default_allowed_tools": ["hello", "get_*"], "timeout_s": 2])
        let inheriting = try binding(["server": "okd", "tools": ["slow": ["timeout_s": 9]]]).inheriting(from: server)
        #expect(inheriting.allows(tool: "hello") && inheriting.allows(tool: "get_x") && !inheriting.allows(tool: "bye"))
        #expect(inheriting.timeoutSeconds == 2 && inheriting.timeoutSeconds(for: "hello") == 2)
        #expect(inheriting.timeoutSeconds(for: "slow") == 9, "a per-tool timeout still wins")
        // What is stored is what was written: the inherited values stay out of the canonical form.
        #expect(JSONWriter.string(inheriting.json) == #"{"server":"okd","override_headers":{},"run_behavior":"auto_run","tools":{"slow":{"timeout_s":9}}}"#)

        let own = try binding(["server": "okd", "allowed_tools": ["bye"], "timeout_s": 7]).inheriting(from: server)
        #expect(own.allows(tool: "bye") && !own.allows(tool: "hello") && own.timeoutSeconds == 7)
        let none = try binding(["server": "okd", "allowed_tools": []]).inheriting(from: server)
        #expect(!none.inheritsAllowedTools && !none.allows(tool: "hello"), "a written [] allows nothing")
        let explicit = try binding(["server": "okd", "allowed_tools": [], "timeout_s": 60])
        #expect(try BindingSpec.parse(explicit.json) == explicit && explicit.json["timeout_s"] == .int(60))
    }
}

