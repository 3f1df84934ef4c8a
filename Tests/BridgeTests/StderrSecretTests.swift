import Bridge
import Foundation
import JSON
import Platform
import Storage
import Supervision
import Testing

/// A stdio upstream gets its credentials in its environment, and a failing child often prints its
/// configuration to stderr. That stderr reaches the upstream's health reason and the error a
/// caller gets; the credential's value must not.
@Suite("Secrets in an upstream's stderr")
struct StderrSecretTests {
    @Test func aCrashLoopingUpstreamThatPrintsItsCredentialNeverShowsIt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-secret-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try PlatformSchema.open(path: path)
        let vault = try CredentialStore(database: database, masterKey: [UInt8](repeating: 7, count: 32))
        let admin = Caller.local(.cli)
        let secret = "sk-live-4f9c2e81d7"
        _ = try vault.set(caller: admin, name: "token", secret: secret)
        let server = try UpstreamServerStore(database: database).create(
            caller: admin, id: "leaky",
            spec: try UpstreamServerSpec.parse([
                "transport": "stdio", "command": "/bin/sh",
                "args": ["-c", "echo \"starting with token=$TOKEN and prefix-$TOKEN-suffix\" >&2; exit 1"],
                "env": ["TOKEN": "${credential:token}"],
            ]))
        let binding = try BindingSpec.parse(["server": "leaky", "allowed_tools": ["*"]])
        var options = UpstreamConnection.Options()
        options.connectTimeout = .seconds(60)
        options.restartPolicy = RestartPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50), crashLoopExits: 3, crashLoopWindow: .seconds(60))
        let registry = UpstreamRegistry(vault: vault, environment: ProcessInfo.processInfo.environment, options: options)
        let upstream = try #require(try registry.upstream(for: server, binding: binding, agentID: "a") as? UpstreamConnection)
        var texts: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            do {
                _ = try await upstream.tools(timeout: .seconds(5))
            } catch {
                texts.append("\(error)")
            }
            if case .down = upstream.health { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let health = "\(upstream.health)"
        texts.append(health)
        #expect(health.contains("crash loop") && health.contains("[redacted]"), "the child's stderr is still reported: \(health)")
        #expect(health.contains("token=[redacted] and prefix-[redacted]-suffix"), "\(health)")
        for text in texts { #expect(!text.contains(secret) && !text.contains("sk-live"), "the credential leaked: \(text)") }
        await registry.stopAll()
    }
}
