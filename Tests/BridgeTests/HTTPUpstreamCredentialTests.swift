import Bridge
import Foundation
import HTTPServer
import JSON
import Platform
import Storage
import Testing

/// A header override's `${credential:NAME}` is resolved at call time: a rotated credential is
/// what the next call sends (the connection is made again with it).
@Suite("HTTP upstream: credentials at call time")
struct HTTPUpstreamCredentialTests {
    /// The scripted upstream on a local port, and a platform database with a vault.
    struct Fixture {
        let script = ScriptedLegacyHTTPServer()
        let server: HTTPServer
        let address: String
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString).sqlite").path
        let database: Database
        let vault: CredentialStore
        let admin = Caller.local(.cli)

        init() throws {
            let script = self.script
            server = HTTPServer(handler: { script.handle($0) })
            address = "\(try server.start()[0])"
            database = try PlatformSchema.open(path: path)
            vault = try CredentialStore(database: database, masterKey: [UInt8](repeating: 3, count: 32))
        }

        func close() async {
            await server.shutdown(gracePeriod: .milliseconds(100))
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    @Test func aRotatedCredentialIsSentFromTheNextCallOn() async throws {
        let fixture = try Fixture()
        let (script, address, database, vault, admin) = (fixture.script, fixture.address, fixture.database, fixture.vault, fixture.admin)
        _ = try vault.set(caller: admin, name: "token", secret: "first-secret")
        let upstreamServer = try UpstreamServerStore(database: database).create(
            caller: admin, id: "remote", spec: try UpstreamServerSpec.parse(["transport": "http", "url": .string("http://\(address)/mcp")]))
        let binding = try BindingSpec.parse(["server": "remote", "allowed_tools": ["*"], "override_headers": ["Authorization": "Bearer ${credential:token}"]])
        let registry = UpstreamRegistry(vault: vault, environment: [:])
        let upstream = try registry.upstream(for: upstreamServer, binding: binding, agentID: "a")

        func call(_ text: String) async throws -> String? {
            try await upstream.callTool("echo", arguments: ["text": .string(text)], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:]).text
        }
        #expect(try await call("one") == "one")
        #expect(try await call("two") == "two")
        _ = try vault.set(caller: admin, name: "token", secret: "rotated-secret")
        #expect(try await call("three") == "three")
        #expect(script.state.withLock { $0.authorizations } == ["Bearer first-secret", "Bearer first-secret", "Bearer rotated-secret"])
        #expect(script.methods.filter { $0 == "initialize" }.count == 2, "a new connection for the new credential: \(script.methods)")

        // A credential deleted meanwhile: the call fails naming it, and nothing is sent.
        try vault.delete(caller: admin, name: "token")
        do {
            _ = try await call("four")
            Issue.record("a call went out without its credential")
        } catch {
            #expect("\(error)".contains("token") && !"\(error)".contains("-secret"), "\(error)")
        }
        #expect(script.state.withLock { $0.authorizations }.count == 3)
        await registry.stopAll()
        await fixture.close()
    }

    /// A service that takes its key in the query: the URL references the credential, which is
    /// percent-encoded where it stands, rotated like a header's, and kept out of errors in both
    /// spellings; what is stored and shown is the reference.
    @Test func aURLCredentialIsPercentEncodedRotatedAndRedacted() async throws {
        let fixture = try Fixture()
        let (script, address, database, vault, admin) = (fixture.script, fixture.address, fixture.database, fixture.vault, fixture.admin)
        _ = try vault.set(caller: admin, name: "key", secret: "first key&x=/é")
        let url = "http://\(address)/mcp?key=${credential:key}&v=1"
        let spec = try UpstreamServerSpec.parse(["transport": "http", "url": .string(url)])
        #expect(spec.json["url"] == .string(url))
        let upstreamServer = try UpstreamServerStore(database: database).create(caller: admin, id: "remote", spec: spec)
        let binding = try BindingSpec.parse(["server": "remote", "allowed_tools": ["*"]])
        let registry = UpstreamRegistry(vault: vault, environment: [:])
        let upstream = try registry.upstream(for: upstreamServer, binding: binding, agentID: "a")

        func call(_ text: String) async throws -> String? {
            try await upstream.callTool("echo", arguments: ["text": .string(text)], timeout: .seconds(60), progress: nil, input: nil, callerCapabilities: [:]).text
        }
        #expect(try await call("one") == "one")
        _ = try vault.set(caller: admin, name: "key", secret: "rotated")
        #expect(try await call("two") == "two")
        #expect(script.state.withLock { $0.targets } == ["/mcp?key=first%20key%26x%3D%2F%C3%A9&v=1", "/mcp?key=rotated&v=1"])
        #expect(script.methods.filter { $0 == "initialize" }.count == 2, "a new connection for the new credential: \(script.methods)")

        // A value that would be a dot segment is refused, naming the credential; nothing is sent.
        _ = try vault.set(caller: admin, name: "key", secret: "..")
        do {
            _ = try await call("dots")
            Issue.record("a call went out with a dot segment")
        } catch {
            #expect("\(error)".contains("credential \"key\" cannot stand in a URL"), "\(error)")
        }
        #expect(script.state.withLock { $0.targets }.count == 2)

        // A connection that fails names no spelling of the key. (Our HTTP client's errors never
        // carry the request target; the upstream redacts the key from connection errors anyway,
        // for URLSession's, whose texts are Foundation's.)
        _ = try vault.set(caller: admin, name: "key", secret: "third key")
        script.state.withLock { $0.broken = true }
        do {
            _ = try await call("three")
            Issue.record("a call succeeded against a broken server")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("third") && !text.contains("%20key"), "\(text)")
        }
        await registry.stopAll()
        await fixture.close()
    }
}
