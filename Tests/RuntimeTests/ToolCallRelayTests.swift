// ToolCallRelayTests: the stdio gateway's relay answers exactly as the engine does.

import Bridge
import Foundation
import JSON
import MCP
import MCPServer
import Platform
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Why: the relay is a second road for `tools/call`, taken for speed. It must never be a
/// different road: every call it takes is sent here through the engine and through the relay,
/// against the same real upstream (the reference server as a supervised child), and the two
/// answers must be equal — content of every kind, structured results, tool errors, upstream
/// JSON-RPC errors, input requests, timeouts, progress that keeps a call alive, a dead upstream.
/// Calls it must not take (a tool outside the allow-list, a progress token, a client that can
/// answer input requests, an old protocol version, anything malformed) must be left to the
/// engine, and a client's cancellation must end a relayed call.
@Suite("Tool-call relay", .serialized)
struct ToolCallRelayTests {
    static let manifest = """
        {"upstream_servers": {"ref": {"transport": "stdio", "command": "$AGENTBRIDGE", "args": ["reference-server", "--tools", "3"], "sharing": "shared"}},
         "agents": {"relay": {"name": "Relay", "instructions": "i", "model": "scripted/x",
           "bindings": [{"server": "ref", "allowed_tools": ["echo", "get_weather", "test_*", "slow_operation"], "timeout_s": 20,
                         "tools": {"slow_operation": {"timeout_s": 1}}}]}}}
        """

    static let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}"#

    /// One client connection to the gateway with the relay in front of the engine, as
    /// `agentbridge stdio --agent relay` wires them; every line the client would read is kept.
    final class Gateway: Sendable {
        let server: MCPServer
        let connection: ServerConnection
        let relay: ToolCallRelay
        let inbox = Inbox()

        /// Every message the client received, parsed.
        final class Inbox: Sendable {
            let messages = Mutex<[JSONValue]>([])
        }

        /// `beforeEmit` runs on the relay's writes to the client before they are kept (a test
        /// holds one there to look at the relay mid-delivery).
        init(_ harness: RuntimeHarness, beforeEmit: (@Sendable () -> Void)? = nil) {
            server = MCPServer(info: Implementation(name: "agentbridge", version: "test"))
            let provider = AgentCatalogProvider(database: harness.database, caller: harness.caller, agentID: "relay",
                                                registry: harness.registry, log: { _ in })
            server.setCatalogProvider(provider)
            let inbox = self.inbox
            let keep: @Sendable ([UInt8]) -> Void = { bytes in
                for line in bytes.split(separator: 0x0A) where !line.isEmpty {
                    if let value = try? JSONParser.parse(Array(line)) { inbox.messages.withLock { $0.append(value) } }
                }
            }
            connection = ServerConnection(server: server, maxInFlight: 64, write: keep)
            relay = ToolCallRelay(agent: ToolCallRelay.Agent(provider: provider, serverInfo: server.info.json), connection: connection, limits: .default,
                                  emit: { bytes in
                                      beforeEmit?()
                                      keep(bytes)
                                  })
        }

        /// Sends `line` the way the stdio server does: the relay first, else the engine.
        /// Returns whether the relay took it.
        @discardableResult
        func send(_ line: String, relayed allowRelay: Bool = true) -> Bool {
            let bytes = Array(line.utf8)
            let taken = allowRelay && bytes.withUnsafeBufferPointer { relay.offer($0) }
            if taken {
                relay.flush()
            } else {
                bytes.withUnsafeBufferPointer { connection.receive(bytes: $0) }
            }
            return taken
        }

        /// The relay's count of calls in flight once it stops changing to zero, waiting up to 5 s
        /// (an answer is kept before the relay's own bookkeeping of it ends).
        func settledInFlight() async -> Int {
            for _ in 0..<500 where relay.inFlight != 0 { try? await Task.sleep(for: .milliseconds(10)) }
            return relay.inFlight
        }

        /// The answer with `id`, waiting up to `seconds`.
        func answer(_ id: String, within seconds: Double = 60) async -> JSONValue? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let found = inbox.messages.withLock({ $0.first { $0["id"] == .string(id) } }) { return found }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
    }

    static func call(_ id: String, _ tool: String, _ arguments: String = "{}", meta: String = Self.meta) -> String {
        #"{"jsonrpc":"2.0","id":"\#(id)","method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)\#(meta.isEmpty ? "" : ",")\#(meta)}}"#
    }

    /// The answer to `tool(arguments)` through the engine and through the relay.
    static func both(_ gateway: Gateway, _ tool: String, _ arguments: String = "{}", meta: String = Self.meta,
                     tag: String = #function) async throws -> (engine: JSONValue, relay: JSONValue) {
        let engineID = "engine-\(tool)-\(tag)", relayID = "relay-\(tool)-\(tag)"
        #expect(!gateway.send(call(engineID, tool, arguments, meta: meta), relayed: false))
        let engine = try #require(await gateway.answer(engineID), "no engine answer for \(tool)")
        #expect(gateway.send(call(relayID, tool, arguments, meta: meta)), "the relay did not take \(tool)")
        let relay = try #require(await gateway.answer(relayID), "no relay answer for \(tool)")
        return (engine, relay)
    }

    /// A modern connection with its catalog loaded (the era is locked by the first request).
    static func modern(_ harness: RuntimeHarness) async throws -> Gateway {
        let gateway = Gateway(harness)
        gateway.send(#"{"jsonrpc":"2.0","id":"list","method":"tools/list","params":{\#(meta)}}"#)
        let list = try #require(await gateway.answer("list"))
        #expect(list["result"]?["tools"]?.arrayValue?.isEmpty == false, "\(list)")
        return gateway
    }

    @Test func everyKindOfAnswerIsTheEnginesAnswer() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            let cases: [(String, String)] = [
                ("ref__echo", #"{"text":"hello"}"#),
                ("ref__echo", #"{"text":"h\u00e9llo \"quoted\" \\ / \ud83d\ude00 ünïcödé","extra":[1,-2.5,true,null,{"n":{}}]}"#),
                ("ref__echo", "{}"),                              // missing argument: the upstream's own answer
                ("ref__echo", #"{"text":42}"#),                   // wrong type
                ("ref__get_weather", #"{"city":"Paris"}"#),       // structuredContent
                ("ref__test_image_content", "{}"), ("ref__test_audio_content", "{}"), ("ref__test_resource_link", "{}"),
                ("ref__test_embedded_resource", "{}"), ("ref__test_multiple_content_types", "{}"),
                ("ref__test_error_handling", "{}"),               // isError: true
                ("ref__test_tool_with_progress", "{}"),           // progress reports nobody asked for
                ("ref__test_tool_with_logging", "{}"),
                ("ref__test_elicitation", "{}"),                  // −32021: the caller did not declare elicitation
                ("ref__test_input_required_result_request_state", "{}"),
            ]
            for (index, (tool, arguments)) in cases.enumerated() {
                let (engine, relay) = try await Self.both(gateway, tool, arguments, tag: "\(index)")
                #expect(engine["result"] != nil || engine["error"] != nil)
                #expect(relay["result"] == engine["result"], "\(tool): relay \(relay) engine \(engine)")
                #expect(relay["error"] == engine["error"], "\(tool): relay \(relay) engine \(engine)")
            }
            #expect(await gateway.settledInFlight() == 0)
        }
    }

    /// Why: the relay (and the engine, for the same caller) must not declare to a 2026 upstream
    /// capabilities the caller lacks — the upstream would ask, and the gateway could only
    /// decline in the caller's name. Told nothing, the upstream refuses with −32021 naming what
    /// it needs, and a 2026 caller gets that refusal as our own −32021 (with the upstream's
    /// `requiredCapabilities`): it can declare the capability and call again, which a tool
    /// error would not tell its client.
    @Test func theUpstreamIsToldOnlyWhatTheCallerCanAnswer() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            let (engine, relay) = try await Self.both(gateway, "ref__test_elicitation")
            #expect(relay["error"] == engine["error"] && relay["result"] == nil && engine["result"] == nil, "relay \(relay) engine \(engine)")
            #expect(relay["error"]?["code"] == -32021, "\(relay)")
            #expect(relay["error"]?["data"]?["requiredCapabilities"]?["elicitation"] != nil, "\(relay)")
            let message = relay["error"]?["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("ref__test_elicitation: ") && message.contains("elicitation"), "\(message)")
            // A caller that can answer elicitation (the engine's road): the upstream is told
            // elicitation, not the sampling the gateway could also forward.
            let elicitingMeta = Self.meta.replacingOccurrences(of: "clientCapabilities\":{}", with: "clientCapabilities\":{\"elicitation\":{}}")
            #expect(!gateway.send(Self.call("sampling", "ref__test_sampling", #"{"prompt":"p"}"#, meta: elicitingMeta)))
            let sampling = try #require(await gateway.answer("sampling"))
            #expect(sampling["error"]?["code"] == -32021, "\(sampling)")
            #expect(sampling["error"]?["data"]?["requiredCapabilities"]?["sampling"] != nil, "\(sampling)")
            #expect(sampling["error"]?["data"]?["requiredCapabilities"]?["elicitation"] == nil, "\(sampling)")
        }
    }

    /// `agentbridge stdio` exits once stdin closed and the relay has nothing in flight. An
    /// answer taken from the upstream but still on its way to the client must count, or the
    /// process can exit with it unwritten.
    @Test func anAnswerOnItsWayToTheClientStillCountsAsInFlight() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            // What the relay counts at the moment each batch of answers is handed to the client's
            // stream (observed, never blocked: the test holds no thread).
            final class Observed: Sendable {
                let relay = Mutex<ToolCallRelay?>(nil)
                let counts = Mutex<[Int]>([])
            }
            let observed = Observed()
            let gateway = Gateway(harness, beforeEmit: {
                let count = observed.relay.withLock { $0 }?.inFlight ?? -1
                observed.counts.withLock { $0.append(count) }
            })
            observed.relay.withLock { $0 = gateway.relay }
            gateway.send(#"{"jsonrpc":"2.0","id":"list","method":"tools/list","params":{\#(Self.meta)}}"#)
            _ = try #require(await gateway.answer("list"))
            #expect(gateway.send(Self.call("held", "ref__echo", #"{"text":"held"}"#)))
            #expect("\(await gateway.answer("held") ?? .null)".contains("held"))
            let counts = observed.counts.withLock { $0 }
            #expect(counts.count == 1 && counts.allSatisfy { $0 >= 1 }, "an answer being written counts as in flight: \(counts)")
            #expect(await gateway.settledInFlight() == 0)
        }
    }

    @Test func aSilentCallTimesOutAndProgressKeepsOneAliveAsInTheEngine() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            // `slow_operation` has a 1 s idle timeout: one silent 3 s step fails…
            let (engine, relay) = try await Self.both(gateway, "ref__slow_operation", #"{"steps":1,"step_ms":3000}"#, tag: "silent")
            #expect(relay["result"] == engine["result"], "relay \(relay) engine \(engine)")
            #expect("\(relay)".contains("did not answer within"), "\(relay)")
            // …while six 400 ms steps (2.4 s) that each report progress complete.
            let (engine2, relay2) = try await Self.both(gateway, "ref__slow_operation", #"{"steps":6,"step_ms":400}"#, tag: "busy")
            #expect(relay2["result"] == engine2["result"], "relay \(relay2) engine \(engine2)")
            #expect("\(relay2)".contains("completed 6 steps"), "\(relay2)")
        }
    }

    /// Once the breaker opens, calls — even of the tool the relay just relayed — are left to the
    /// engine, which refuses them at once as the breaker says (the epoch that ends the relay's
    /// reuse of a route is tested on `UpstreamConnection` itself).
    @Test func anOpenBreakerEndsTheRelaysReuseOfItsLastRoute() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            // Five silent calls time out after 1 s each: the breaker's threshold. An echo relayed
            // meanwhile is the route the relay remembers.
            for n in 0..<5 {
                #expect(gateway.send(Self.call("silent-\(n)", "ref__slow_operation", #"{"steps":1,"step_ms":5000}"#)))
            }
            #expect(gateway.send(Self.call("warm", "ref__echo", #"{"text":"a"}"#)))
            _ = try #require(await gateway.answer("warm"))
            for n in 0..<5 {
                let answer = try #require(await gateway.answer("silent-\(n)"))
                #expect("\(answer)".contains("did not answer within"), "\(answer)")
            }
            #expect(!gateway.send(Self.call("after", "ref__echo", #"{"text":"b"}"#)), "the relay still took calls with the breaker open")
            let refused = try #require(await gateway.answer("after"))
            #expect("\(refused)".contains("circuit open"), "\(refused)")
        }
    }

    @Test func callsTheRelayMustNotTakeGoToTheEngine() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            let declined = [
                Self.call("a", "ref__tool_001"),                                   // not in the allow-list
                Self.call("b", "ref__nope"),                                       // exists nowhere
                Self.call("c", "ref__echo", #"{"text":"x"}"#, meta: Self.meta.replacingOccurrences(of: "clientCapabilities\":{}", with: "clientCapabilities\":{\"elicitation\":{}}")),
                Self.call("d", "ref__echo", #"{"text":"x"}"#, meta: Self.meta.replacingOccurrences(of: "{\"io.", with: "{\"progressToken\":7,\"io.")),
                Self.call("e", "ref__echo", #"{"text":"x"}"#, meta: #""_meta":{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}"#),
                Self.call("f", "ref__echo", #"{"text":"x"}"#, meta: ""),           // no envelope on a 2026 connection
                Self.call("g", "ref__echo", #""not an object""#),
                Self.call("h", "ref__echo", #"{"a":1,"a":2}"#),                    // duplicate key: the parser's −32700
                Self.call("i", "ref__echo", #"{"text":1e3}"#),                     // outside what the scanner vouches for
                #"{"jsonrpc":"2.0","id":"j","method":"tools/call","params":{"name":"ref__echo","arguments":{},"task":{},\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":true,"method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":{"x":1},"method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,     // a notification
                #"{"jsonrpc":"1.0","id":"l","method":"tools/call","params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":"m","method":"tools/call","extra":1,"params":{"name":"ref__echo",\#(Self.meta)}}"#,
                #"{"jsonrpc":"2.0","id":"n","method":"tools/call","params":{"name":"ref\u005f_echo",\#(Self.meta)}}"#,
                // The envelope the relay remembers from earlier lines, followed by more bytes:
                // the remembered part is stepped over, the rest still checked (invalid JSON).
                Self.call("o", "ref__echo", #"{"text":"x"}"#, meta: Self.meta + "1"),
                Self.call("p", "ref__echo", #"{"text":"x"}"#, meta: Self.meta + #","_meta":{}"#),  // and a duplicate key
            ]
            for line in declined {
                let bytes = Array(line.utf8)
                #expect(!bytes.withUnsafeBufferPointer { gateway.relay.offer($0) }, "the relay took \(line)")
            }
            // Before the first request decides the era, nothing is relayed.
            let fresh = Gateway(harness)
            #expect(!Array(Self.call("k", "ref__echo", #"{"text":"x"}"#).utf8).withUnsafeBufferPointer { fresh.relay.offer($0) })
        }
    }

    @Test func aClientCancellationEndsARelayedCallWithoutAnAnswer() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            #expect(gateway.send(Self.call("long", "ref__slow_operation", #"{"steps":8,"step_ms":100}"#)))
            #expect(gateway.relay.inFlight == 1)
            #expect(gateway.send(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"long","reason":"user"}}"#))
            #expect(gateway.relay.inFlight == 0)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(await gateway.answer("long", within: 0.1) == nil, "a cancelled call was answered")
            // The upstream is fine and the next call goes through.
            #expect(gateway.send(Self.call("after", "ref__echo", #"{"text":"after"}"#)))
            #expect("\(await gateway.answer("after") ?? .null)".contains("after"))
        }
    }

    @Test func aDeadUpstreamFailsRelayedCallsLikeEngineCalls() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            #expect(gateway.send(Self.call("doomed", "ref__slow_operation", #"{"steps":50,"step_ms":100}"#)))
            let pid = try #require((harness.registry.all.first as? UpstreamConnection)?.childPID)
            kill(pid, SIGKILL)
            let answer = try #require(await gateway.answer("doomed"))
            #expect(answer["result"]?["isError"] == true, "\(answer)")
            #expect("\(answer)".contains("ref__slow_operation failed: MCP connection closed"), "\(answer)")
            #expect(await gateway.settledInFlight() == 0)
            // After the restart, calls are relayed again.
            var relayed = false
            for attempt in 0..<300 where !relayed {
                relayed = gateway.send(Self.call("back-\(attempt)", "ref__echo", #"{"text":"back"}"#))
                if relayed { #expect("\(await gateway.answer("back-\(attempt)") ?? .null)".contains("back")) }
                else { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(relayed, "calls were not relayed after the upstream restarted")
        }
    }

    @Test func handshakeEraClientsAreRelayedFrom2025_06_18On() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            for (version, relayable) in [("2025-11-25", true), ("2025-06-18", true), ("2025-03-26", false)] {
                let gateway = Gateway(harness)
                gateway.send(#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
                _ = try #require(await gateway.answer("init"))
                gateway.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
                gateway.send(#"{"jsonrpc":"2.0","id":"list","method":"tools/list"}"#)
                _ = try #require(await gateway.answer("list"))
                if relayable {
                    for (index, tool) in ["ref__echo", "ref__get_weather", "ref__test_resource_link", "ref__test_error_handling", "ref__test_elicitation"].enumerated() {
                        let (engine, relay) = try await Self.both(gateway, tool, tool == "ref__echo" ? #"{"text":"hi"}"# : "{}", meta: "", tag: "\(version)-\(index)")
                        #expect(relay["result"] == engine["result"], "\(version) \(tool): relay \(relay) engine \(engine)")
                        #expect(relay["result"]?["resultType"] == nil)
                        // The handshake era has no −32021: an upstream's is a tool error the model reads.
                        if tool == "ref__test_elicitation" {
                            #expect(relay["result"]?["isError"] == true && relay["error"] == nil, "\(relay)")
                        }
                    }
                } else {
                    #expect(!Array(Self.call("old", "ref__echo", #"{"text":"x"}"#, meta: "").utf8).withUnsafeBufferPointer { gateway.relay.offer($0) })
                }
            }
        }
    }

    /// Collects the answer of one call taken through the HTTP lane.
    final class Sink: CallAnswerSink {
        let response = Mutex<[UInt8]?>(nil)
        let status = Mutex(0)
        func answer(_ response: [UInt8], status: Int) {
            self.response.withLock { $0 = response }
            self.status.withLock { $0 = status }
        }
    }

    @Test func httpCallsThroughTheSharedRelayAnswerAsTheEngineDoes() async throws {
        try await RuntimeHarness.with(manifest: Self.manifest) { harness in
            let gateway = try await Self.modern(harness)
            // HTTP: one relay for every agent endpoint, each call answered through its own sink.
            let shared = ToolCallRelay(agent: nil, connection: nil, limits: .default)
            let provider = AgentCatalogProvider(database: harness.database, caller: harness.caller, agentID: "relay",
                                                registry: harness.registry, log: { _ in })
            let lane = ToolCallRelay.Lane(relay: shared, agent: ToolCallRelay.Agent(provider: provider, serverInfo: gateway.server.info.json))
            let cases = [("ref__echo", #"{"text":"over http"}"#), ("ref__get_weather", #"{"city":"Oslo"}"#), ("ref__test_error_handling", "{}"),
                         ("ref__test_elicitation", "{}")]
            for (index, (tool, arguments)) in cases.enumerated() {
                #expect(!gateway.send(Self.call("e\(index)", tool, arguments), relayed: false))
                let engine = try #require(await gateway.answer("e\(index)"))
                let sink = Sink()
                let body = Array(Self.call("h\(index)", tool, arguments).utf8)
                #expect(body.withUnsafeBufferPointer { lane.take($0, routing: nil, executor: nil, answeringTo: sink) } != nil, "the lane declined \(tool)")
                var answer: JSONValue?
                for _ in 0..<3000 where answer == nil {
                    answer = sink.response.withLock { $0 }.flatMap { try? JSONParser.parse($0) }
                    if answer == nil { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(answer?["id"] == .string("h\(index)"))
                #expect(answer?["result"] == engine["result"], "\(tool): http \(answer ?? .null) engine \(engine)")
                #expect(answer?["error"] == engine["error"], "\(tool): http \(answer ?? .null) engine \(engine)")
                // The status the HTTP exchange gives the engine's answer (`StatusMapping`): 400 for −32021.
                #expect(sink.status.withLock { $0 } == (tool == "ref__test_elicitation" ? 400 : 200), "\(tool)")
            }
            // A cancelled call is never answered.
            let sink = Sink()
            let slow = Array(Self.call("slow", "ref__slow_operation", #"{"steps":3,"step_ms":200}"#).utf8)
            let handle = try #require(slow.withUnsafeBufferPointer { lane.take($0, routing: nil, executor: nil, answeringTo: sink) })
            lane.cancel(handle)
            try await Task.sleep(for: .milliseconds(900))
            #expect(sink.response.withLock { $0 } == nil)
            #expect(shared.inFlight == 0)
            // Only one relay may watch an upstream (their ids would collide): while the shared
            // relay does, the stdio relay leaves its calls to the engine, which still answers.
            #expect(!gateway.send(Self.call("second", "ref__echo", #"{"text":"engine"}"#)))
            #expect("\(await gateway.answer("second") ?? .null)".contains("engine"))
        }
    }
}
