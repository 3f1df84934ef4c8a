// ToolNamingTests: exposed names are valid for the strictest clients, stable, injective across
// servers and rewritten tool names, and ambiguous configurations are refused when written.

import JSON
import Platform
import Testing

@Suite("ToolNaming")
struct ToolNamingTests {
    @Test("plain names are server__tool; aliases win")
    func plain() {
        #expect(ToolNaming.exposedName(server: "time", tool: "get_current_time") == "time__get_current_time")
        #expect(ToolNaming.exposedName(server: "time", tool: "get_current_time", alias: "now") == "now")
        #expect(ToolNaming.serverPart(of: "time__get_current_time") == "time")
        #expect(ToolNaming.serverPart(of: "git__git__log") == "git")
        #expect(ToolNaming.serverPart(of: "nothing") == nil)
        #expect(ToolNaming.serverPart(of: "__leading") == nil && ToolNaming.serverPart(of: "a__") == "a")
        #expect(ToolNaming.serverPart(of: "a_b___c") == "a_b" && ToolNaming.serverPart(of: "_") == nil && ToolNaming.serverPart(of: "") == nil)
        #expect(ToolNaming.serverPart(of: "é__x") == "é", "multi-byte server part")
    }

    @Test("every generated name matches ^[A-Za-z0-9_-]{1,64}$, and rewritten names never collide")
    func strictAndInjective() {
        let tools = ["a.b", "a_b", "a/b", "a b", "é", "e", String(repeating: "x", count: 80), String(repeating: "x", count: 81), "read.file", "read_file"]
        var seen: [String: String] = [:]
        for server in ["fs", "very-long-server-name-that-takes-many-characters-of-the-budget"] {
            for tool in tools {
                let name = ToolNaming.exposedName(server: server, tool: tool)
                #expect(ToolNaming.isExposedName(name), "\(name)")
                #expect(ToolNaming.exposedName(server: server, tool: tool) == name, "stable")
                if let other = seen[name] { Issue.record("\(server)/\(tool) collides with \(other) as \(name)") }
                seen[name] = "\(server)/\(tool)"
            }
        }
    }

    @Test("server ids with \"__\" are refused, so the server part is unambiguous")
    func serverIDs() throws {
        #expect(UpstreamServer.idProblem("git__hub") != nil)
        #expect(UpstreamServer.idProblem("git_hub") == nil)
        let fixture = try VaultFixture()
        let spec = try UpstreamServerSpec.parse(["transport": "stdio", "command": "x"])
        #expect(throws: PlatformError.self) { try fixture.upstreams.create(caller: VaultFixture.admin, id: "a__b", spec: spec) }
    }

    @Test("a server id of the longest accepted length keeps its tools routable, rewritten names included")
    func longestServerIDRoutesBack() throws {
        let server = String(repeating: "s", count: ToolNaming.maxServerIDLength)
        #expect(UpstreamServer.idProblem(server) == nil)
        #expect(UpstreamServer.idProblem(server + "s") != nil, "one more character would cut the separator")
        let tools = ["read_file", "read.file", String(repeating: "t", count: 80), "x"]
        let spec = try AgentSpec.parse([
            "name": "A", "instructions": "i", "model": "scripted/x",
            "bindings": [["server": .string(server), "allowed_tools": ["*"]]],
        ])
        for tool in tools {
            let name = ToolNaming.exposedName(server: server, tool: tool)
            #expect(ToolNaming.isExposedName(name), "\(name)")
            #expect(ToolNaming.serverPart(of: name) == server, "\(name)")
            let route = spec.route(exposedName: name, catalog: { $0 == server ? tools : nil })
            #expect(route?.upstreamTool == tool && route?.isAllowed == true, "\(tool) as \(name)")
        }
    }

    @Test("server ids that would read back wrong from a gateway tool name are refused")
    func ambiguousServerIDs() throws {
        #expect(UpstreamServer.idProblem("git_") != nil && UpstreamServer.idProblem("_") != nil)
        #expect(UpstreamServer.idProblem("_git") == nil && UpstreamServer.idProblem("g-i_t") == nil)
        // What an id ending in `_` would do: its tools name a different (shorter) server.
        #expect(ToolNaming.serverPart(of: ToolNaming.exposedName(server: "git_", tool: "log")) == "git")
        let fixture = try VaultFixture()
        let spec = try UpstreamServerSpec.parse(["transport": "stdio", "command": "x"])
        #expect(throws: PlatformError.self) { try fixture.upstreams.create(caller: VaultFixture.admin, id: "git_", spec: spec) }
        #expect(throws: PlatformError.self) {
            try fixture.upstreams.create(caller: VaultFixture.admin, id: String(repeating: "a", count: 54), spec: spec)
        }
    }

    @Test("two bindings may not expose the same alias")
    func duplicateAliasesAcrossBindings() throws {
        let json: JSONValue = [
            "name": "A", "instructions": "i", "model": "scripted/x",
            "bindings": [
                ["server": "one", "allowed_tools": ["*"], "tools": ["search": ["alias": "find"]]],
                ["server": "two", "allowed_tools": ["*"], "tools": ["lookup": ["alias": "find"]]],
            ],
        ]
        do {
            _ = try AgentSpec.parse(json)
            Issue.record("duplicate aliases accepted")
        } catch {
            #expect(error.description == #"$.bindings[1].tools.lookup.alias: alias "find" is already used for one/search"#)
        }
    }
}

@Suite("ToolRoute")
struct ToolRouteTests {
    let spec: AgentSpec

    init() throws {
        spec = try AgentSpec.parse([
            "name": "A", "instructions": "i", "model": "scripted/x",
            "bindings": [
                ["server": "git", "allowed_tools": ["git_*"], "tools": ["git_log": ["alias": "history", "run_behavior": "request_confirmation"]]],
                ["server": "fs", "allowed_tools": ["read.file"], "timeout_s": 5],
            ],
        ])
    }

    @Test("aliases, generated names and rewritten names route to the right binding and upstream tool")
    func routes() throws {
        let byAlias = try #require(spec.route(exposedName: "history"))
        #expect(byAlias.binding.server == "git" && byAlias.upstreamTool == "git_log" && byAlias.isAllowed)
        #expect(byAlias.runBehavior.value == .requestConfirmation && byAlias.runBehavior.source == "per-tool override")
        let generated = try #require(spec.route(exposedName: "git__git_status"))
        #expect(generated.upstreamTool == "git_status" && generated.matchingPattern?.text == "git_*")
        #expect(spec.route(exposedName: "git__git_log") == nil, "an aliased tool is reachable only by its alias")
        #expect(spec.route(exposedName: "nope__x") == nil)
        // `read.file` is rewritten; only the upstream's catalog can map the rewrite back (without
        // one the name reads as a tool literally called that, which the upstream will not have).
        let rewritten = ToolNaming.exposedName(server: "fs", tool: "read.file")
        #expect(rewritten != "fs__read.file" && ToolNaming.isExposedName(rewritten))
        #expect(spec.route(exposedName: rewritten)?.upstreamTool != "read.file")
        let viaCatalog = try #require(spec.route(exposedName: rewritten, catalog: { $0 == "fs" ? ["read.file", "write.file"] : nil }))
        #expect(viaCatalog.upstreamTool == "read.file" && viaCatalog.isAllowed && viaCatalog.timeoutSeconds.value == 5)
        let denied = try #require(spec.route(exposedName: "fs__delete"))
        #expect(!denied.isAllowed && denied.matchingPattern == nil)
    }

    @Test("namespaced resource URIs are reversible and keep templates literal")
    func resourceNaming() throws {
        let exposed = ResourceNaming.exposedURI(server: "fs", uri: "file:///a/b?x=1#top")
        #expect(exposed == "agentbridge://upstream/fs/file:///a/b?x=1#top")
        let split = try #require(ResourceNaming.split(exposed))
        #expect(split.server == "fs" && split.uri == "file:///a/b?x=1#top")
        #expect(ResourceNaming.exposedURI(server: "t", uri: "test://item/{id}") == "agentbridge://upstream/t/test://item/{id}")
        for bad in ["file:///a", "agentbridge://upstream/", "agentbridge://upstream/fs", "agentbridge://upstream//x", "agentbridge://upstream/fs/"] {
            #expect(ResourceNaming.split(bad) == nil, "\(bad)")
        }
    }

    @Test("explain's offline routing maps every exposed name the gateway makes for a spelled-out tool back to it")
    func offlineRoutes() throws {
        let spec = try AgentSpec.parse([
            "name": "A", "instructions": "i", "model": "scripted/x",
            "bindings": [
                ["server": "h", "allowed_tools": ["a.b", "plain", "glob_*"], "tools": ["x.y": ["timeout_s": 3], "renamed": ["alias": "nick"]]],
            ],
        ])
        let rewritten = ToolNaming.exposedName(server: "h", tool: "a.b")
        #expect(rewritten == "h__a_b_1692b25c", "the name from the audit")
        let route = try #require(spec.route(offlineName: rewritten))
        #expect(route.upstreamTool == "a.b" && route.isAllowed && route.exposedName == rewritten)
        #expect(spec.route(exposedName: rewritten)?.upstreamTool == "a_b_1692b25c", "without the names a rewrite reads literally")
        let overridden = try #require(spec.route(offlineName: ToolNaming.exposedName(server: "h", tool: "x.y")))
        #expect(overridden.upstreamTool == "x.y" && !overridden.isAllowed && overridden.timeoutSeconds.value == 3)
        #expect(spec.route(offlineName: "h__plain")?.upstreamTool == "plain")
        #expect(spec.route(offlineName: "h__glob_one")?.upstreamTool == "glob_one", "a plain name allowed by a glob")
        #expect(spec.route(offlineName: "nick")?.upstreamTool == "renamed")
        #expect(spec.route(offlineName: "h__renamed") == nil, "an aliased tool is reachable only by its alias")
        #expect(spec.route(offlineName: "a.b") == nil && spec.routes(upstreamTool: "a.b").first?.isAllowed == true, "the raw name goes by routes(upstreamTool:)")
    }

    @Test("offline routing counts an allow-list inherited from the server")
    func offlineRoutesInherit() throws {
        let spec = try AgentSpec.parse(["name": "A", "instructions": "i", "model": "scripted/x", "bindings": [["server": "okd"]]])
        let server = try UpstreamServerSpec.parse(["transport": "stdio", "command": "x", "default_allowed_tools": ["hello", "a.b"], "timeout_s": 2])
        #expect(spec.route(offlineName: "okd__hello")?.isAllowed == false, "unresolved: nothing yet")
        let enforced = spec.inheritingServerDefaults { $0 == "okd" ? server : nil }
        let hello = try #require(enforced.route(offlineName: "okd__hello"))
        #expect(hello.isAllowed && hello.timeoutSeconds.value == 2 && hello.binding.inheritsAllowedTools)
        #expect(hello.timeoutSeconds.source == "server okd's timeout_s; the binding gives none")
        #expect(hello.allowListSource.field == "default_allowed_tools" && spec.routes(upstreamTool: "x").first?.allowListSource.field == "default_allowed_tools")
        #expect(enforced.route(offlineName: ToolNaming.exposedName(server: "okd", tool: "a.b"))?.upstreamTool == "a.b")
        #expect(spec.json == enforced.json, "resolving changes nothing that is stored")
    }
}

