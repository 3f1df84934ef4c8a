import Foundation
import HTTPClient
import HTTPServer
import JSON
import Models
import Platform
import Runtime
import Synchronization
import Testing

/// Runs against a model provider's real wire format: an OpenAI-compatible fixture server (our own
/// HTTPServer) answers the first request 429, then streams a tool call for mcp-server-time, then
/// the final text. The runtime resolves `fixture/gpt-test` to the provider's base URL and the API
/// key from its environment variable, retries the 429, runs the tool through the binding and
/// completes; a provider that refuses the key fails the run with a reason that names the
/// provider and never the key.
@Suite("Runtime: model providers over HTTP", .serialized, .timeLimit(.minutes(3)))
struct ProviderRunTests {
    static let key = "sk-fixture-" + UUID().uuidString

    static func manifest(_ baseURL: String) -> String {
        """
        {"model_providers": {"fixture": {"kind": "openai", "base_url": "\(baseURL)/v1", "api_key_env": "FIXTURE_KEY", "max_retries": 2}},
         "upstream_servers": {"time": {"transport": "stdio", "command": "$MCP_SERVER_TIME", "args": ["--local-timezone", "UTC"]}},
         "agents": {"clock": {"name": "Clock", "instructions": "You tell the time.", "model": "fixture/gpt-test",
                              "bindings": [{"server": "time", "allowed_tools": ["get_current_time"], "timeout_s": 60}]}}}
        """
    }

    /// An OpenAI Chat Completions stream of `chunks` (each a `choices[0].delta` or a whole chunk).
    static func stream(_ chunks: [JSONValue]) -> HTTPResponse {
        var body = ""
        for chunk in chunks { body += "data: " + JSONWriter.string(chunk) + "\n\n" }
        body += "data: [DONE]\n\n"
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream")
        return HTTPResponse(status: 200, headers: headers, body: Array(body.utf8))
    }

    static func delta(_ delta: JSONValue, finish: String? = nil) -> JSONValue {
        ["id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-test",
         "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]]]
    }

    /// What the fixture received.
    final class Recorder: Sendable {
        let bodies = Mutex<[JSONValue]>([])
        let authorizations = Mutex<[String]>([])
    }

    final class Fixture: Sendable {
        let server: HTTPServer
        let baseURL: String
        let recorder = Recorder()

        init(_ respond: @escaping @Sendable (Int) -> HTTPResponse) throws {
            var configuration = HTTPServer.Configuration()
            configuration.addresses = ["127.0.0.1:0"]
            configuration.loopCount = 1
            configuration.accessLog = false
            let recorder = self.recorder
            server = HTTPServer(configuration: configuration) { request in
                let index = recorder.bodies.withLock { list -> Int in
                    list.append((try? JSONParser.parse(request.body)) ?? .null)
                    return list.count - 1
                }
                recorder.authorizations.withLock { $0.append(request.headers["authorization"] ?? "") }
                return respond(index)
            }
            baseURL = "http://\(try server.start()[0])"
        }

        var requests: [JSONValue] { recorder.bodies.withLock { $0 } }
        var presentedKeys: [String] { recorder.authorizations.withLock { $0 } }
    }

    @Test func a429IsRetriedAndAStreamedToolCallRunsThroughTheBinding() async throws {
        try Paths.requirePythonUpstreams()
        let fixture = try Fixture { index in
            switch index {
            case 0:
                var headers = HTTPHeaders()
                headers.add("Retry-After", "0")
                headers.add("Content-Type", "application/json")
                return HTTPResponse(status: 429, headers: headers, body: Array(#"{"error":{"message":"Rate limit reached","type":"requests"}}"#.utf8))
            case 1:
                return Self.stream([
                    Self.delta(["role": "assistant", "tool_calls": [["index": 0, "id": "call_abc", "type": "function",
                                                                   "function": ["name": "time__get_current_time", "arguments": ""]]]]),
                    Self.delta(["tool_calls": [["index": 0, "function": ["arguments": #"{"timezone":"#]]]]),
                    Self.delta(["tool_calls": [["index": 0, "function": ["arguments": #" "UTC"}"#]]]]),
                    Self.delta([:], finish: "tool_calls"),
                    ["id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [], "usage": ["prompt_tokens": 40, "completion_tokens": 12]],
                ])
            default:
                return Self.stream([
                    Self.delta(["role": "assistant", "content": "It is "]),
                    Self.delta(["content": "now in UTC."]),
                    Self.delta([:], finish: "stop"),
                    ["id": "chatcmpl-2", "object": "chat.completion.chunk", "choices": [], "usage": ["prompt_tokens": 90, "completion_tokens": 6]],
                ])
            }
        }
        defer { Task { await fixture.server.shutdown(gracePeriod: .milliseconds(100)) } }
        let http = HTTPClient()
        let outcome = try await RuntimeHarness.with(
            manifest: Self.manifest(fixture.baseURL), models: StandardModelClientFactory.live(http: http), environment: ["FIXTURE_KEY": Self.key]
        ) { harness in
            let outcome = try await harness.run("clock", "What time is it?")
            let events = try harness.events(outcome.run.id)
            let call = try #require(events.first { $0.type == .toolCall })
            #expect(call.data["name"] == "time__get_current_time" && call.data["arguments"] == ["timezone": "UTC"])
            let result = try #require(events.first { $0.type == .toolResult })
            #expect(result.data["content"]?.stringValue?.contains("UTC") == true)
            #expect(!events.contains { JSONWriter.string($0.data).contains(Self.key) }, "the API key is in no event")
            return outcome
        }
        await http.shutdown()
        #expect(outcome.name == "completed", "\(outcome.run.error ?? "")")
        #expect(outcome.text == "It is now in UTC.")
        #expect(outcome.run.tokensIn == 130 && outcome.run.tokensOut == 18, "usage from both turns")

        let requests = fixture.requests
        #expect(requests.count == 3, "the 429 was retried once, then two turns")
        #expect(fixture.presentedKeys.allSatisfy { $0 == "Bearer \(Self.key)" })
        #expect(requests[1]["model"] == "gpt-test" && requests[1]["stream"] == true)
        #expect(requests[1]["tools"]?[0]?["function"]?["name"] == "time__get_current_time")
        let messages = requests[2]["messages"]?.arrayValue ?? []
        #expect(messages.first?["role"] == "system" && messages.first?["content"] == "You tell the time.")
        let toolMessage = messages.first { $0["role"] == "tool" }
        #expect(toolMessage?["tool_call_id"] == "call_abc" && toolMessage?["content"]?.stringValue?.contains("UTC") == true)
    }

    @Test func aRefusedKeyFailsTheRunNamingTheProviderNeverTheKey() async throws {
        try Paths.requirePythonUpstreams()
        let fixture = try Fixture { _ in
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            return HTTPResponse(status: 401, headers: headers, body: Array(#"{"error":{"message":"Incorrect API key provided"}}"#.utf8))
        }
        defer { Task { await fixture.server.shutdown(gracePeriod: .milliseconds(100)) } }
        let http = HTTPClient()
        let outcome = try await RuntimeHarness.with(
            manifest: Self.manifest(fixture.baseURL), models: StandardModelClientFactory.live(http: http), environment: ["FIXTURE_KEY": Self.key]
        ) { harness in
            try await harness.run("clock", "What time is it?")
        }
        await http.shutdown()
        #expect(outcome.name == "failed")
        let error = outcome.run.error ?? ""
        #expect(error.contains("openai") || error.contains("fixture"), "\(error)")
        #expect(!error.contains(Self.key))
        #expect(fixture.requests.count == 1, "a refused key is not retried")
    }
}
