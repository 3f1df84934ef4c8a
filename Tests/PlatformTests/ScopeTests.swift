// ScopeTests: strict parsing of the PRODUCT.md scope list, precise errors, and admin implying all.

import Platform
import Testing

@Suite("Scope")
struct ScopeTests {
    @Test("every scope in PRODUCT.md parses to itself and nothing else is in the list")
    func productList() throws {
        let expected = [
            "mcp:tools", "agents:read", "agents:write", "runs:read", "runs:write", "approvals:read",
            "approvals:write", "mcp:read", "mcp:write", "credentials:read", "credentials:write",
            "keys:write", "audit:read", "usage:read", "admin",
        ]
        #expect(Scope.allCases.map(\.rawValue) == expected)
        for text in expected { #expect(try Scope(parsing: text).rawValue == text) }
    }

    @Test("a list separated by spaces or commas parses, duplicates collapse and the stored form is canonical")
    func list() throws {
        let scopes = try Scope.parseList("runs:read, agents:read agents:read,mcp:tools")
        #expect(scopes == [.runsRead, .agentsRead, .mcpTools])
        #expect(Scope.format(scopes) == "mcp:tools agents:read runs:read")
        #expect(try Scope.parseList(Scope.format(scopes)) == scopes)
    }

    @Test("an unknown scope is an error that names it and lists the known scopes")
    func unknown() {
        #expect(throws: ScopeError.unknown("agents:delete")) { try Scope.parseList("agents:read agents:delete") }
        let message = ScopeError.unknown("agents:delete").description
        #expect(message.contains("\"agents:delete\""))
        #expect(message.contains("agents:read"))
    }

    @Test("parsing is case-sensitive and exact: near misses are refused")
    func strict() {
        for text in ["Agents:read", "agents:Read", "agents", "agents:*", "*", "admin:", " admin2"] {
            #expect(throws: ScopeError.self) { try Scope.parseList(text) }
        }
    }

    @Test("an empty scope list is an error")
    func empty() {
        #expect(throws: ScopeError.empty) { try Scope.parseList("") }
        #expect(throws: ScopeError.empty) { try Scope.parseList(" , ") }
    }

    @Test("admin implies every scope and other scopes imply only themselves")
    func adminImpliesAll() {
        for scope in Scope.allCases {
            #expect(Scope.grants([.admin], scope))
            #expect(Scope.grants([scope], scope))
        }
        #expect(!Scope.grants([.agentsWrite], .agentsRead))
        #expect(!Scope.grants([.keysWrite], .admin))
    }
}
