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
