import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// API keys end to end: keys created with `agentbridge keys create` on a real database file
/// authenticate `agentbridge serve` (its default `--auth keys`), a key without `mcp:tools` gets 403
/// `insufficient_scope`, unknown and revoked keys get 401 `invalid_token` (revocation effective
/// on the very next request, while the server keeps running), and the audit chain records it all.
@Suite("API keys over HTTP (agentbridge keys + serve)", .serialized)
struct APIKeyHTTPTests {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// One `initialize`-free modern request (`tools/list`) with `headers`.
    func post(_ url: String, headers: [String: String]) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("2026-07-28", forHTTPHeaderField: "MCP-Protocol-Version")
        request.setValue("tools/list", forHTTPHeaderField: "Mcp-Method")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var flat: [String: String] = [:]
        for (name, value) in http.allHeaderFields { flat[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: flat, body: String(decoding: data, as: UTF8.self))
    }

    func secret(from output: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return try #require(object?["secret"] as? String, "no secret in \(output)")
    }

    @Test func keysAuthenticateScopesAreCheckedAndRevocationIsImmediate() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path

        let good = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "client", "--scope", "mcp:tools"], timeout: 30)
        #expect(good.status == 0, "\(good.output)")
        let goodSecret = try secret(from: good.output)
        let weak = await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "reader", "--scope", "agents:read"], timeout: 30)
        let weakSecret = try secret(from: weak.output)

        let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none"])
        do {
            let ok = try await post(server.url, headers: ["Authorization": "Bearer \(goodSecret)"])
            #expect(ok.status == 200, "\(ok.body)")
            #expect(ok.body.contains("\"tools\""))
            let viaHeader = try await post(server.url, headers: ["X-API-Key": goodSecret])
            #expect(viaHeader.status == 200)

            let none = try await post(server.url, headers: [:])
            #expect(none.status == 401)
            #expect(none.headers["www-authenticate"] == #"Bearer error="invalid_token""#)
            let unknown = try await post(server.url, headers: ["Authorization": "Bearer ab_" + String(repeating: "A", count: 43)])
            #expect(unknown.status == 401)
            #expect(!unknown.body.contains("AAAA"), "the presented key must not be echoed")

            let forbidden = try await post(server.url, headers: ["Authorization": "Bearer \(weakSecret)"])
            #expect(forbidden.status == 403)
            #expect(forbidden.headers["www-authenticate"] == #"Bearer error="insufficient_scope", scope="mcp:tools""#)

            // Revoke while the server runs: the next request is refused.
            let list = await Interop.run(binary, ["--db", db, "--json", "keys", "list"], timeout: 30)
            let keys = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]] ?? []
            let clientID = try #require(keys.first { $0["name"] as? String == "client" }?["id"] as? String)
            #expect(!list.output.contains(goodSecret))
            let revoke = await Interop.run(binary, ["--db", db, "keys", "revoke", clientID], timeout: 30)
            #expect(revoke.status == 0, "\(revoke.output)")
            let revoked = try await post(server.url, headers: ["Authorization": "Bearer \(goodSecret)"])
            #expect(revoked.status == 401)
        } catch {
            await server.stop()
            throw error
        }
        let stopped = await server.stop()
        #expect(stopped.status == 0, "\(server.log)")
        #expect(!server.log.contains(goodSecret) && !server.log.contains(weakSecret), "a secret reached the log")

        let audit = await Interop.run(binary, ["--db", db, "audit", "list"], timeout: 30)
        #expect(audit.output.contains("keys.create") && audit.output.contains("keys.revoke"), "\(audit.output)")
        #expect(audit.output.contains("auth.failed"), "the unknown and the revoked key are audited as failed authentications")
        let verify = await Interop.run(binary, ["--db", db, "audit", "verify"], timeout: 30)
        // 2 keys created, 1 revoked, 2 failed authentications (unknown key, revoked key).
        #expect(verify.status == 0 && verify.output.contains("intact: 5 records"), "\(verify.output)")
    }

    @Test func perKeyRateLimitsAnswer429WithRetryAfterAndLimitHeaders() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-rate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let limited = try secret(from: await Interop.run(
            binary, ["--db", db, "--json", "keys", "create", "--name", "slow", "--scope", "mcp:tools", "--rate-limit", "2"], timeout: 30).output)
        let other = try secret(from: await Interop.run(
            binary, ["--db", db, "--json", "keys", "create", "--name", "fast", "--scope", "mcp:tools"], timeout: 30).output)
        let listed = await Interop.run(binary, ["--db", db, "--json", "keys", "list"], timeout: 30)
        #expect(listed.output.contains("\"rate_limit_per_minute\":2"), "\(listed.output)")

        // Keys without their own limit get the server's --rate-limit (here generous).
        let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none", "--rate-limit", "1000"])
        do {
            for remaining in [1, 0] {
                let reply = try await post(server.url, headers: ["Authorization": "Bearer \(limited)"])
                #expect(reply.status == 200, "\(reply.body)")
                #expect(reply.headers["x-ratelimit-limit"] == "2")
                #expect(reply.headers["x-ratelimit-remaining"] == String(remaining))
                let reset = Int(reply.headers["x-ratelimit-reset"] ?? "") ?? 0
                #expect(reset >= Int(Date().timeIntervalSince1970) - 5, "the reset is a Unix time")
            }
            let refused = try await post(server.url, headers: ["Authorization": "Bearer \(limited)"])
            #expect(refused.status == 429, "\(refused.body)")
            let retry = Int(refused.headers["retry-after"] ?? "") ?? 0
            #expect(retry >= 1 && retry <= 30, "Retry-After \(refused.headers["retry-after"] ?? "none")")
            #expect(refused.headers["x-ratelimit-remaining"] == "0")
            #expect(refused.body.contains("Too Many Requests") && !refused.body.contains(limited))
            let unaffected = try await post(server.url, headers: ["Authorization": "Bearer \(other)"])
            #expect(unaffected.status == 200 && unaffected.headers["x-ratelimit-limit"] == "1000", "another key has its own bucket")
        }
        let stopped = await server.stop()
        #expect(stopped.status == 0, "\(server.log)")
        #expect(!server.log.contains(limited) && !server.log.contains(other))
    }
}
