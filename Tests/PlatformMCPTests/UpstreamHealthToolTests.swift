import Bridge
import Foundation
import JSON
import MCP
import HTTPTestSupport
import MCPServer
import Platform
@testable import PlatformMCP
import Storage
import Testing

/// `list_upstream_servers` shows each live connection's health next to the configuration, and
/// `list_upstream_tools` connects to a server and lists its tools (a real reference server child).
@Suite("Platform catalog: upstream servers and their health")
struct UpstreamHealthToolTests {
    @Test func aLiveConnectionsHealthIsListedWithItsServer() async throws {
        let fixture = try PlatformCatalogTests.Fixture()
        _ = try UpstreamServerStore(database: fixture.database).create(
            caller: .local(.cli), id: "ref",
            spec: try UpstreamServerSpec.parse(["transport": "stdio", "command": .string(try TestBinaries.referenceServer()), "args": ["--tools", "3"]]))
        let registry = UpstreamRegistry(vault: nil, environment: ProcessInfo.processInfo.environment)
        let server = MCPServer(info: Implementation(name: "t", version: "1"))
        server.setCatalogProvider(PlatformCatalog(database: fixture.database, principals: PrincipalDirectory(fixed: PlatformCatalogTests.key([.mcpRead])),
                                                  registry: registry, origin: .http))

        func servers() async throws -> [JSONValue] {
            let result = try await PlatformCatalogTests.tool(server, "list_upstream_servers").get()
            return result["structuredContent"]?["servers"]?.arrayValue ?? []
        }
        let before = try await servers()
        #expect(before.count == 1 && before.first?["id"] == "ref" && before.first?["connections"] == .array([]), "\(before)")

        let listed = try await PlatformCatalogTests.tool(server, "list_upstream_tools", ["server_id": "ref"]).get()
        let names = listed["structuredContent"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("echo"), "\(listed)")

        let after = try await servers()
        let connection = try #require(after.first?["connections"]?.arrayValue?.first, "\(after)")
        #expect(connection["status"] == "up" && connection["scope"] == .null, "\(connection)")
        let since = try #require(connection["since"]?.intValue)
        #expect(abs(Int64(Date().timeIntervalSince1970 * 1000) - Int64(since)) < 600_000, "since is Unix milliseconds: \(since)")
        await registry.stopAll()
    }
}
