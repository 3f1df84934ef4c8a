import Bridge
import Foundation
import JSON
import Platform
import Storage
import Testing

/// A credential may hold CR/LF (PEM keys do), but it can never smuggle a header into an upstream
/// request: the HTTP client refuses the header, and the error names the header, never the value.
@Suite("Header injection through credentials")
struct HeaderInjectionTests {
    @Test func aCredentialWithCRLFCannotAddHeadersAndIsNeverShown() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inject-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try PlatformSchema.open(path: path)
        let vault = try CredentialStore(database: database, masterKey: [UInt8](repeating: 9, count: 32))
        let admin = Caller.local(.cli)
        _ = try vault.set(caller: admin, name: "token", secret: "abc\r\nX-Evil: injected")
        let server = try UpstreamServerStore(database: database).create(
            caller: admin, id: "remote", spec: try UpstreamServerSpec.parse(["transport": "http", "url": "http://127.0.0.1:9/mcp"]))
        let binding = try BindingSpec.parse([
            "server": "remote", "allowed_tools": ["*"], "override_headers": ["Authorization": "Bearer ${credential:token}"],
        ])
        let registry = UpstreamRegistry(vault: vault, environment: [:])
        do {
            // Refused when the headers are resolved (before any connection), or at the latest by
            // the HTTP client.
            let upstream = try registry.upstream(for: server, binding: binding, agentID: "a")
            _ = try await upstream.tools(timeout: .seconds(5))
            Issue.record("a header value with CR/LF was sent")
        } catch {
            let text = "\(error)"
            #expect(text.contains("Authorization"), "the refusal names the header: \(text)")
            #expect(!text.contains("X-Evil") && !text.contains("abc"), "the value never appears: \(text)")
        }
        await registry.stopAll()
    }
}
