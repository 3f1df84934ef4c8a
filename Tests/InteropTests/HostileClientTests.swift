import Foundation
import HTTPServer
import HTTPTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile clients against a real `agentbridge serve` (platform surface, API keys, every limit
/// set small through its flags): slow clients, header floods, huge and deeply nested bodies,
/// invalid UTF-8, CRLF injection, resource-URI traversal, SSRF-shaped upstream URLs, key guessing
/// and guessing another workspace's ids. Each attack gets its precise refusal, and afterwards
/// the same server still answers a well-formed request and exits cleanly on SIGTERM.
///
/// The byte-level attacks use `RawClient` on its own threads, so what reaches the server is
/// exactly what the test wrote (no client library fixes up a bad request on the way).
@Suite("Hostile clients against agentbridge serve", .serialized)
struct HostileClientTests {
    /// One `serve` with its own database, the example manifests and an admin key.
    struct Target {
        let server: HTTPServerProcess
        let address: SocketAddress
        let key: String
        let db: String
        let dir: URL
        let binary: String

        var host: String { "\(address.host):\(address.port)" }

        static func start(_ flags: [String] = [], prepare: (String, String) async throws -> Void = { _, _ in }) async throws -> Target {
            let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let db = dir.appendingPathComponent("agentbridge.sqlite").path
            let applied = await Interop.run(binary, ["--db", db, "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60)
            #expect(applied.status == 0, "\(applied.output)")
            let key = try secret(await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "admin", "--scope", "admin"], timeout: 30))
            try await prepare(binary, db)
            let server = try await HTTPServerProcess.start(["--db", db, "--auth", "keys", "--manifests", "none", "--surface", "platform"] + flags)
            let address = try #require(SocketAddress(parsing: "127.0.0.1:\(server.port)"))
            return Target(server: server, address: address, key: key, db: db, dir: dir, binary: binary)
        }

        /// A well-formed request still works, the server exits 0 on SIGTERM, and no key reached its log.
        func finish(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let healthy = try await exchange(request("tools/list"))
            #expect(healthy.status == 200 && healthy.text.contains("\"tools\""), "after the attacks: \(healthy.status) \(healthy.text)", sourceLocation: sourceLocation)
            let stopped = await server.stop()
            #expect(stopped.status == 0, "\(server.log)", sourceLocation: sourceLocation)
            #expect(!server.log.contains(key), "the key reached the server's log", sourceLocation: sourceLocation)
            try? FileManager.default.removeItem(at: dir)
        }

        /// A 2026-era MCP POST as raw bytes (`extra` headers go after the standard ones).
        func request(
            _ method: String, _ params: String = "{}", name: String? = nil, path: String = "/mcp", key: String? = nil,
            extra: [String] = [], body: String? = nil
        ) -> String {
            let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"hostile","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#
            let merged = params == "{}" ? "{\(meta)}" : String(params.dropLast()) + ",\(meta)}"
            let json = body ?? #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(merged)}"#
            var head = ["POST \(path) HTTP/1.1", "Host: \(host)", "Authorization: Bearer \(key ?? self.key)",
                        "Content-Type: application/json", "Accept: application/json, text/event-stream",
                        "MCP-Protocol-Version: 2026-07-28", "Mcp-Method: \(method)"]
            if let name { head.append("Mcp-Name: \(name)") }
            head += extra
            head.append("Content-Length: \(json.utf8.count)")
            return head.joined(separator: "\r\n") + "\r\n\r\n" + json
        }

        /// Sends `bytes` on a fresh connection and reads one response, all on one thread.
        func exchange(_ text: String) async throws -> RawResponse {
            try await exchange(Array(text.utf8))
        }

        func exchange(_ bytes: [UInt8], timeout: Duration = .seconds(20)) async throws -> RawResponse {
            let address = self.address
            return try await offload {
                let c = try RawClient.connectBlocking(address)
                try? c.sendBlocking(bytes)  // the server may refuse and close before taking it all
                return try c.readResponseBlocking(forHead: false, timeout: timeout)
            }
        }
    }

    static func secret(_ result: RunResult) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return try #require(object?["secret"] as? String, "no secret in \(result.output)")
    }

    static func json(_ response: RawResponse) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    }

    static func errorCode(_ response: RawResponse) -> Int? {
        (json(response)?["error"] as? [String: Any])?["code"] as? Int
    }

    // MARK: - Slow clients

    @Test func slowClientsAreCutOffAtTheirDeadlinesWhileOthersAreServed() async throws {
        let target = try await Target.start(["--header-timeout", "1", "--body-timeout", "1"])
        let address = target.address
        let head = Array("GET /healthz HTTP/1.1\r\nHost: \(target.host)\r\nX-Slow: \(String(repeating: "s", count: 60))\r\n\r\n".utf8)
        // 12 slowloris connections, each trickling its head one byte per 100 ms (~9 s in all).
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await offload {
                        let c = try RawClient.connectBlocking(address)
                        try c.sendBlocking([head[0]])
                        let trickler = Thread {
                            for b in head.dropFirst() {
                                guard (try? c.sendBlocking([b])) != nil else { return }
                                usleep(100_000)
                            }
                        }
                        trickler.start()
                        return try c.readResponseBlocking(forHead: false, timeout: .seconds(30)).status
                    }
                }
            }
            // Meanwhile a well-behaved client is served.
            let normal = try await target.exchange(target.request("tools/list"))
            #expect(normal.status == 200, "\(normal.text)")
            var all: [Int] = []
            for try await status in group { all.append(status) }
            return all
        }
        #expect(statuses == Array(repeating: 408, count: 12), "\(statuses)")

        // A body that stops arriving: 408 at the body deadline.
        let partial = "POST /mcp HTTP/1.1\r\nHost: \(target.host)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\""
        let stalled = try await target.exchange(partial)
        #expect(stalled.status == 408 && stalled.header("Connection") == "close", "\(stalled.status) \(stalled.text)")

        // A connection that never sends a byte is closed without a response.
        let silent = try await offload { () throws -> CloseKind in
            let c = try RawClient.connectBlocking(address)
            return try c.readToCloseBlocking(timeout: .seconds(20)).1
        }
        #expect(silent == .eof)
        try await target.finish()
    }

    // MARK: - Floods and sizes

    @Test func headerFloodsAndOversizedHeadsAreRefused() async throws {
        let target = try await Target.start(["--max-header-bytes", "4096", "--max-header-count", "40", "--idle-timeout", "0.5"])
        let many = (0..<60).map { "X-Flood-\($0): 1" }
        let flooded = try await target.exchange(target.request("tools/list", extra: many))
        #expect(flooded.status == 431 && flooded.header("Connection") == "close", "\(flooded.status)")
        let long = try await target.exchange(target.request("tools/list", extra: ["X-Long: " + String(repeating: "a", count: 5000)]))
        #expect(long.status == 431, "\(long.status)")
        let target414 = try await target.exchange("GET /mcp?\(String(repeating: "q", count: 5000)) HTTP/1.1\r\nHost: \(target.host)\r\n\r\n")
        #expect(target414.status == 414, "\(target414.status)")
        // 40 fields is the limit, not an error.
        let atLimit = try await target.exchange(target.request("tools/list", extra: (0..<32).map { "X-Ok-\($0): 1" }))
        #expect(atLimit.status == 200, "\(atLimit.status) \(atLimit.text)")
        // A keep-alive connection that sends nothing more is closed at --idle-timeout (the
        // default would keep it a minute, far past this read's 20 s).
        let address = target.address
        let request = Array(target.request("tools/list").utf8)
        let idle = try await offload { () throws -> (Int, CloseKind) in
            let c = try RawClient.connectBlocking(address)
            try c.sendBlocking(request)
            let first = try c.readResponseBlocking(forHead: false, timeout: .seconds(20))
            return (first.status, try c.readToCloseBlocking(timeout: .seconds(20)).1)
        }
        #expect(idle.0 == 200 && idle.1 == .eof, "\(idle)")
        try await target.finish()
    }

    @Test func hugeBodiesAndAmbiguousFramingAreRefusedBeforeTheBodyIsRead() async throws {
        let target = try await Target.start(["--max-body-bytes", "65536"])
        let head = "POST /mcp HTTP/1.1\r\nHost: \(target.host)\r\nAuthorization: Bearer \(target.key)\r\nContent-Type: application/json\r\n"
        // A gigabyte announced, nothing sent: refused from the head alone.
        let announced = try await target.exchange(head + "Content-Length: 1000000000\r\n\r\n")
        #expect(announced.status == 413, "\(announced.status)")
        let expecting = try await target.exchange(head + "Expect: 100-continue\r\nContent-Length: 70000\r\n\r\n")
        #expect(expecting.status == 413, "a 413 instead of 100 Continue, got \(expecting.status)")
        // A chunked body growing past the limit.
        var chunked = Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8)
        for _ in 0..<6 { chunked += Array("4000\r\n".utf8) + Array(repeating: UInt8(0x20), count: 0x4000) + Array("\r\n".utf8) }
        let grown = try await target.exchange(chunked)
        #expect(grown.status == 413, "\(grown.status)")
        // Request smuggling shapes: two lengths, a length with chunked, an unknown coding.
        for framing in ["Content-Length: 5\r\nContent-Length: 6", "Content-Length: 5\r\nTransfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked"] {
            let ambiguous = try await target.exchange(head + framing + "\r\n\r\n{}   ")
            #expect(ambiguous.status == 400 || ambiguous.status == 501, "\(framing): \(ambiguous.status)")
        }
        try await target.finish()
    }

    // MARK: - Bodies

    @Test func deepInvalidAndMalformedJSONGetsPreciseErrors() async throws {
        let target = try await Target.start(["--max-json-depth", "32"])
        func body(_ json: String) -> String { target.request("tools/list", body: json) }
        // Nesting: 30 levels inside params parse (the envelope adds two); 40 do not.
        let shallow = try await target.exchange(target.request("tools/list", #"{"x":"# + String(repeating: "[", count: 28) + String(repeating: "]", count: 28) + "}"))
        #expect(shallow.status == 200, "\(shallow.status) \(shallow.text)")
        let deep = try await target.exchange(body(String(repeating: "[", count: 100_000)))
        #expect(Self.errorCode(deep) == -32700, "\(deep.status) \(deep.text.prefix(300))")
        #expect(deep.text.contains("nesting exceeds the limit of 32"), "the message names the nesting limit: \(deep.text.prefix(300))")
        // Invalid UTF-8 inside a string, a truncated document, a lone surrogate escape.
        var invalid = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"a"#.utf8)
        invalid += [0xC3, 0x28] + Array(#""}}"#.utf8)
        let raw = Array(target.request("tools/list", body: String(repeating: " ", count: invalid.count)).utf8)
        let bad = try await target.exchange(Array(raw.prefix(raw.count - invalid.count)) + invalid)
        #expect(Self.errorCode(bad) == -32700, "\(bad.status) \(bad.text)")
        let truncated = try await target.exchange(body(#"{"jsonrpc":"2.0","id":1,"method":"tools/li"#))
        #expect(Self.errorCode(truncated) == -32700, "\(truncated.text)")
        // Well-formed JSON that is not a request.
        for notARequest in ["[]", "null", "42", #"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#, #"{"jsonrpc":"2.0","id":{},"method":"tools/list"}"#] {
            let r = try await target.exchange(body(notARequest))
            #expect(Self.errorCode(r) == -32600 || Self.errorCode(r) == -32700, "\(notARequest): \(r.status) \(r.text)")
            #expect(r.status >= 400 && r.status < 500, "\(notARequest): \(r.status)")
        }
        try await target.finish()
    }

    // MARK: - Injection

    @Test func userDataNeverBecomesAResponseHeader() async throws {
        let target = try await Target.start()
        func clean(_ r: RawResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let names = Set(r.headers.map { $0.0.lowercased() })
            #expect(!names.contains("set-cookie") && !names.contains("x-injected"), "\(what): \(r.headers)", sourceLocation: sourceLocation)
        }
        // Percent-encoded CR LF in the path of an agent endpoint.
        let pathInjection = try await target.exchange(target.request("tools/list", path: "/mcp/agents/a%0D%0ASet-Cookie:%20x=1%0D%0AX-Injected:%201"))
        #expect(pathInjection.status == 404)
        clean(pathInjection, "path")
        // Raw CR, NUL and obs-fold in request headers are refused outright.
        for header in ["X-A: a\rSet-Cookie: x=1", "X-A: a\u{0}b", "X-A: a\r\n Set-Cookie: x=1"] {
            let r = try await target.exchange(target.request("tools/list", extra: [header]))
            #expect(r.status == 400, "\(header.debugDescription): \(r.status)")
            clean(r, header)
        }
        // CR LF inside JSON strings that the server echoes: a method name, an Mcp-Name
        // mismatch, an id. They come back JSON-escaped in the body, never as header lines.
        let method = try await target.exchange(target.request(
            "tools/list", body: #"{"jsonrpc":"2.0","id":"1\r\nX-Injected: 1","method":"tools/list\r\nSet-Cookie: x=1","params":{}}"#))
        #expect(method.status >= 400 && method.status < 500, "\(method.status)")
        clean(method, "method")
        let unknownTool = try await target.exchange(target.request(
            "tools/call", #"{"name":"x\r\nSet-Cookie: y=1","arguments":{}}"#, name: #"x\r\nSet-Cookie: y=1"#))
        clean(unknownTool, "tool name")
        #expect(!unknownTool.text.contains("\r\nSet-Cookie"), "the name must stay escaped in the body: \(unknownTool.text)")
        // A legacy session id and a Last-Event-ID the server does not know.
        let session = try await target.exchange(
            "POST /mcp HTTP/1.1\r\nHost: \(target.host)\r\nAuthorization: Bearer \(target.key)\r\nContent-Type: application/json\r\n"
                + "Accept: application/json, text/event-stream\r\nMcp-Session-Id: abc%0d%0aX-Injected:1\r\nMCP-Protocol-Version: 2025-11-25\r\n"
                + "Content-Length: 46\r\n\r\n" + #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(session.status == 404, "\(session.status) \(session.text)")
        clean(session, "session id")
        try await target.finish()
    }

    // MARK: - Namespaces

    @Test func resourceURIsCannotEscapeTheirNamespaceOrTheKeysAgents() async throws {
        var restricted = ""
        let target = try await Target.start { binary, db in
            restricted = try Self.secret(await Interop.run(
                binary, ["--db", db, "--json", "keys", "create", "--name", "one-agent", "--scope", "admin", "--agent", "assistant"], timeout: 30))
        }
        let own = try await target.exchange(target.request(
            "resources/read", #"{"uri":"agentbridge://agents/assistant"}"#, name: "agentbridge://agents/assistant", key: restricted))
        #expect(own.status == 200 && own.text.contains("\"contents\""), "\(own.text.prefix(300))")
        let uris = [
            "agentbridge://agents/assistant/../clock", "agentbridge://agents/assistant/%2e%2e/clock", "agentbridge://agents/../clock",
            "agentbridge://agents/clock", "agentbridge://agents/%63lock", "agentbridge://agents/assistant/../../../etc/passwd",
            "agentbridge://runs/../../etc/passwd", "agentbridge://upstream/reference/..%2f..%2fetc%2fpasswd", "file:///etc/passwd",
            "agentbridge://agents/assistant%00/../clock", "AGENTBRIDGE://agents/clock",
        ]
        for uri in uris {
            let r = try await target.exchange(target.request("resources/read", #"{"uri":"\#(uri)"}"#, name: uri, key: restricted))
            #expect(Self.errorCode(r) == -32602, "\(uri): \(r.status) \(r.text.prefix(200))")
            #expect(!r.text.contains("root:") && !r.text.contains("\"Clock\""), "\(uri) leaked: \(r.text.prefix(300))")
        }
        // The restricted key does not see the other agent in listings either.
        let listed = try await target.exchange(target.request("tools/call", #"{"name":"list_agents","arguments":{}}"#, name: "list_agents", key: restricted))
        #expect(listed.text.contains("assistant") && !listed.text.contains("\\\"clock\\\""), "\(listed.text.prefix(400))")
        try await target.finish()
    }

    @Test func anotherWorkspacesIDsAreIndistinguishableFromMissingOnes() async throws {
        var otherKey = ""
        var runID = ""
        let target = try await Target.start { binary, db in
            let manifest = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("payroll.json")
            try #"{"agents":{"payroll":{"name":"Payroll","model":"scripted/demo","instructions":"Pay people.","visibility":"exposed"}}}"#
                .write(to: manifest, atomically: true, encoding: .utf8)
            #expect(await Interop.run(binary, ["--db", db, "apply", manifest.path], timeout: 60).status == 0)
            let ran = await Interop.run(binary, ["--db", db, "--json", "run", "payroll", "hello"], timeout: 60)
            runID = ran.output.firstMatch(of: /run_[A-Za-z0-9_-]+/).map { String($0.output) } ?? ""
            #expect(!runID.isEmpty, "no run id in \(ran.output)")
            #expect(await Interop.run(binary, ["--db", db, "workspaces", "create", "other"], timeout: 30).status == 0)
            #expect(await Interop.run(binary, ["--db", db, "--workspace", "other", "apply", Interop.repoRoot.appendingPathComponent("Manifests").path], timeout: 60).status == 0)
            otherKey = try Self.secret(await Interop.run(binary, ["--db", db, "--workspace", "other", "--json", "keys", "create", "--name", "other", "--scope", "admin"], timeout: 30))
        }
        // The key of workspace `other` probes ids of `default`; each answer must equal the
        // answer for an id that exists nowhere (with the id itself replaced).
        func probe(_ id: String, _ make: (String) -> String) async throws -> String {
            let r = try await target.exchange(make(id))
            let text = r.text.replacingOccurrences(of: id, with: "<ID>")
            return "\(r.status) " + text
        }
        let probes: [(String, String, (String) -> String)] = [
            ("payroll", "nosuch", { target.request("tools/call", #"{"name":"get_agent","arguments":{"id":"\#($0)"}}"#, name: "get_agent", key: otherKey) }),
            ("payroll", "nosuch", { target.request("resources/read", #"{"uri":"agentbridge://agents/\#($0)"}"#, name: "agentbridge://agents/\($0)", key: otherKey) }),
            ("payroll", "nosuch", { target.request("tools/list", path: "/mcp/agents/\($0)", key: otherKey) }),
            ("payroll", "nosuch", { target.request("tools/call", #"{"name":"run_agent","arguments":{"agent_id":"\#($0)","input":"hi"}}"#, name: "run_agent", key: otherKey) }),
            (runID, "run_0000000000000000", { target.request("tools/call", #"{"name":"get_run","arguments":{"id":"\#($0)"}}"#, name: "get_run", key: otherKey) }),
            (runID, "run_0000000000000000", { target.request("resources/read", #"{"uri":"agentbridge://runs/\#($0)"}"#, name: "agentbridge://runs/\($0)", key: otherKey) }),
            (runID, "run_0000000000000000", { target.request("tools/call", #"{"name":"cancel_run","arguments":{"id":"\#($0)"}}"#, name: "cancel_run", key: otherKey) }),
        ]
        for (existing, missing, make) in probes {
            let a = try await probe(existing, make)
            let b = try await probe(missing, make)
            #expect(a == b, "\(make(existing).split(separator: "\r\n").first ?? ""): \(a.prefix(300)) ≠ \(b.prefix(300))")
            #expect(!a.contains("Pay people") && !a.hasPrefix("200 {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"contents\""), "\(a.prefix(300))")
        }
        // The owner's key does see them (the probes were about the other workspace, not typos).
        let owner = try await target.exchange(target.request("tools/call", #"{"name":"get_run","arguments":{"id":"\#(runID)"}}"#, name: "get_run"))
        #expect(owner.text.contains(runID) && !owner.text.contains("not found"), "\(owner.text.prefix(300))")
        try await target.finish()
    }

    // MARK: - Upstreams and keys

    @Test func upstreamsOnPrivateNetworksAreNeverContactedWhenOnlyPublicOnesAreAllowed() async throws {
        // A loopback listener standing in for an internal service: nothing may connect to it.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        #expect(listen(listener, 64) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let target = try await Target.start(["--upstream-networks", "public"]) { binary, db in
            let manifest = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("ssrf.json")
            let servers: [(String, String, String)] = [
                ("loopback", "http", "http://127.0.0.1:\(port)/mcp"), ("named", "http", "http://localhost:\(port)/mcp"),
                ("v6", "http", "http://[::1]:\(port)/mcp"), ("metadata", "http", "http://169.254.169.254/latest/mcp"),
                ("private", "sse", "http://10.1.2.3:\(port)/sse"), ("mapped", "http", "http://[::ffff:127.0.0.1]:\(port)/mcp"),
            ]
            let entries = servers.map { #""\#($0.0)":{"transport":"\#($0.1)","url":"\#($0.2)"}"# }.joined(separator: ",")
            let bindings = servers.map { #"{"server":"\#($0.0)","allowed_tools":["*"]}"# }.joined(separator: ",")
            try #"{"upstream_servers":{\#(entries)},"agents":{"ssrf":{"name":"SSRF","model":"scripted/demo","instructions":"x","visibility":"exposed","bindings":[\#(bindings)]}}}"#
                .write(to: manifest, atomically: true, encoding: .utf8)
            let applied = await Interop.run(binary, ["--db", db, "apply", manifest.path], timeout: 60)
            #expect(applied.status == 0, "\(applied.output)")
        }
        let listed = try await target.exchange(target.request("tools/list", path: "/mcp/agents/ssrf"))
        #expect(listed.status == 200, "\(listed.text)")
        let unavailable = ((Self.json(listed)?["result"] as? [String: Any])?["_meta"] as? [String: Any])?["io.agentbridge/unavailableUpstreams"] as? [[String: Any]] ?? []
        #expect(unavailable.count == 6, "\(listed.text)")
        for entry in unavailable {
            #expect((entry["reason"] as? String)?.contains("address policy: public only") == true, "\(entry)")
        }
        let called = try await target.exchange(target.request("tools/call", #"{"name":"loopback__anything","arguments":{}}"#, name: "loopback__anything", path: "/mcp/agents/ssrf"))
        #expect(Self.errorCode(called) == -32602 || called.text.contains("address policy"), "\(called.text)")
        var peer = sockaddr()
        var peerLength = socklen_t(MemoryLayout<sockaddr>.size)
        #expect(accept(listener, &peer, &peerLength) < 0 && errno == EAGAIN, "agentbridge connected to the loopback listener")
        try await target.finish()
    }

    @Test func anUpstreamThatNeverListsIsLeftOutWithinItsTimeoutAndTheOthersAreListed() async throws {
        // Answers the handshake (refusing the 2026 probe as a handshake-era server does), then
        // never answers anything: a hung server, not a dead one and not one still starting.
        let hung = #"""
        import json, sys
        for line in sys.stdin:
            message = json.loads(line)
            if message.get("method") == "initialize":
                print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "hung", "version": "1"}}}), flush=True)
            elif message.get("method") == "server/discover":
                print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "Method not found"}}), flush=True)
        """#
        let target = try await Target.start { binary, db in
            let directory = URL(fileURLWithPath: db).deletingLastPathComponent()
            let script = directory.appendingPathComponent("hung.py").path
            try hung.write(toFile: script, atomically: true, encoding: .utf8)
            let manifest = directory.appendingPathComponent("hung.json")
            try #"{"upstream_servers":{"hung":{"transport":"stdio","command":"python3","args":["\#(script)"],"timeout_s":1},"healthy":{"transport":"stdio","command":"${agentbridge}","args":["reference-server","--tools","3"]}},"agents":{"mixed":{"name":"Mixed","model":"scripted/demo","instructions":"x","visibility":"exposed","bindings":[{"server":"hung","allowed_tools":["*"],"timeout_s":1},{"server":"healthy","allowed_tools":["echo"],"timeout_s":20}]}}}"#
                .write(to: manifest, atomically: true, encoding: .utf8)
            let applied = await Interop.run(binary, ["--db", db, "apply", manifest.path], timeout: 60)
            #expect(applied.status == 0, "\(applied.output)")
        }
        let started = ContinuousClock.now
        let listed = try await target.exchange(target.request("tools/list", path: "/mcp/agents/mixed"))
        let took = ContinuousClock.now - started
        #expect(listed.status == 200, "\(listed.text)")
        let result = Self.json(listed)?["result"] as? [String: Any]
        let names = (result?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(names.contains("healthy__echo"), "\(listed.text)")
        let unavailable = (result?["_meta"] as? [String: Any])?["io.agentbridge/unavailableUpstreams"] as? [[String: Any]] ?? []
        #expect(unavailable.compactMap { $0["server"] as? String } == ["hung"], "\(listed.text)")
        // Bounded by the hung binding's 1 s, not by anything the healthy one or a default would allow.
        #expect(took < .seconds(15), "listing took \(took)")
        try await target.finish()
    }

    @Test func guessingKeysIsLimitedPerAddressAndAudited() async throws {
        var good = ""
        let target = try await Target.start(["--failed-auth-limit", "3"]) { binary, db in
            good = try Self.secret(await Interop.run(binary, ["--db", db, "--json", "keys", "create", "--name", "good", "--scope", "mcp:tools"], timeout: 30))
        }
        let guesses = (0..<3).map { i in "ab_" + String(repeating: String(i), count: 43) }
        for guess in guesses {
            let reply = try await target.exchange(target.request("tools/list", key: guess))
            #expect(reply.status == 401 && reply.header("WWW-Authenticate") == #"Bearer error="invalid_token""#, "\(reply.status)")
            #expect(!reply.text.contains(guess))
        }
        // Out of guesses: refused before any lookup, even with a valid key, until the bucket refills.
        let limited = try await target.exchange(target.request("tools/list", key: good))
        #expect(limited.status == 429 && (Int(limited.header("Retry-After") ?? "") ?? 0) >= 1, "\(limited.status)")
        let stopped = await target.server.stop()
        #expect(stopped.status == 0)
        let audit = await Interop.run(target.binary, ["--db", target.db, "--json", "audit", "list", "--limit", "200"], timeout: 30)
        let records = (try JSONSerialization.jsonObject(with: Data(audit.output.utf8)) as? [[String: Any]]) ?? []
        let actions = records.compactMap { $0["action"] as? String }
        #expect(actions.filter { $0 == "auth.failed" }.count == 3, "\(actions)")
        #expect(actions.filter { $0 == "auth.limited" }.count == 1, "\(actions)")
        for guess in guesses { #expect(!audit.output.contains(guess) && !target.server.log.contains(guess), "a presented key was recorded") }
        let verified = await Interop.run(target.binary, ["--db", target.db, "audit", "verify"], timeout: 30)
        #expect(verified.status == 0, "\(verified.output)")
        try? FileManager.default.removeItem(at: target.dir)
    }
}
