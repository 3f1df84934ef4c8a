import JSON
import MCP
import MCPClient
import Synchronization
import Testing

/// Elicitation, sampling and roots in both eras: 2026 `input_required` rounds retried with fresh
/// ids, and legacy server→client requests, both answered by the same `MCPInputProvider`.
@Suite(.timeLimit(.minutes(1)))
struct InputTests {
    static let eras: [MCPEraPreference] = [.auto, .legacy]

    /// A provider that records every request and answers with `answer`.
    static func recording(_ log: Collector<MCPInputRequest>, _ answer: @escaping @Sendable (MCPInputRequest) -> JSONValue?) -> MCPClientEvents {
        MCPClientEvents(inputProvider: { request in
            log.append(request)
            return answer(request)
        })
    }

    static let details: JSONValue = ["action": "accept", "content": ["username": "octo", "email": "octo@example.com"]]

    @Test(arguments: eras)
    func elicitationIsAnsweredByTheProvider(era: MCPEraPreference) async throws {
        let asked = Collector<MCPInputRequest>()
        let h = try await ReferenceHarness.connected(era, events: Self.recording(asked) { _ in Self.details })
        let result = try await h.client.callTool("test_elicitation", arguments: ["message": "Who are you?"])
        #expect(result.text == #"accepted: {"email":"octo@example.com","username":"octo"}"#)
        let request = try #require(asked.values.first)
        #expect(asked.values.count == 1)
        #expect(request.kind == .elicitation)
        #expect(request.params["message"] == "Who are you?")
        #expect(request.params["requestedSchema"]?["properties"]?["username"]?["type"] == "string")
        let calls = h.wire.sentRequests("tools/call")
        if era == .legacy {
            #expect(request.era == .legacy)
            #expect(request.key == nil)
            #expect(calls.count == 1)
            let serverRequest = try #require(h.wire.received.first { $0["method"] == "elicitation/create" })
            let answer = try #require(h.wire.sent.first { $0["id"] == serverRequest["id"] && $0["method"].isAbsent })
            #expect(answer["result"] == Self.details)
        } else {
            #expect(request.era == .modern)
            #expect(request.key == "user_details")
            #expect(request.relatedMethod == "tools/call")
            #expect(calls.count == 2)
            #expect(calls[0]["id"] != calls[1]["id"], "a retried MRTR request must use a new id")
            let first = try #require(h.wire.response(to: calls[0]["id"]!))
            #expect(first["result"]?["resultType"] == "input_required")
            let state = try #require(first["result"]?["requestState"]?.stringValue)
            let retry = try #require(calls[1]["params"])
            #expect(retry["requestState"] == .string(state), "requestState must come back byte-exact")
            #expect(retry["inputResponses"] == ["user_details": Self.details])
            #expect(retry["name"] == "test_elicitation")
            #expect(retry["arguments"] == ["message": "Who are you?"])
            #expect(retry["_meta"]?["io.modelcontextprotocol/clientCapabilities"]?["elicitation"] == ["form": [:]])
        }
    }

    @Test(arguments: eras)
    func withoutAProviderElicitationIsDeclined(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, capabilities: ["elicitation": ["form": [:]]])
        let result = try await h.client.callTool("test_elicitation")
        #expect(result.text == "declined")
        #expect(result.isError == false)
    }

    @Test(arguments: eras)
    func providerReturningNilGivesTheDefaultAnswer(era: MCPEraPreference) async throws {
        let asked = Collector<MCPInputRequest>()
        let h = try await ReferenceHarness.connected(era, events: Self.recording(asked) { _ in nil })
        #expect(try await h.client.callTool("test_elicitation").text == "declined")
        #expect(try await h.client.callTool("test_list_roots").text == "roots: ")
        #expect(asked.values.count == 2)
    }

    @Test(arguments: eras)
    func undeclaredElicitationIsRefusedByTheServer(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        #expect(h.client.declaredCapabilities.isEmpty)
        if era == .legacy {
            let result = try await h.client.callTool("test_elicitation")
            #expect(result.isError)
        } else {
            await #expect {
                try await h.client.callTool("test_elicitation")
            } throws: { error in
                guard case .server(let code, _, let data) = error as? MCPClientError else { return false }
                return code == -32021 && data?["requiredCapabilities"]?["elicitation"] != nil
            }
        }
    }

    @Test(arguments: eras)
    func stateOnlyRoundsAreRetried(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era)
        let result = try await h.client.callTool("test_input_required_result_request_state")
        #expect(result.text == "state verified")
        if era == .auto {
            let calls = h.wire.sentRequests("tools/call")
            #expect(calls.count == 2)
            #expect(calls[1]["params"]?["requestState"]?.stringValue != nil)
            #expect(calls[1]["params"]?["inputResponses"].isAbsent == true)
        }
    }

    @Test(arguments: eras)
    func severalInputsInOneRound(era: MCPEraPreference) async throws {
        let asked = Collector<MCPInputRequest>()
        let h = try await ReferenceHarness.connected(era, events: Self.recording(asked) { request in
            switch request.kind {
            case .elicitation: return ["action": "accept", "content": ["ok": true]]
            case .roots: return ["roots": [["uri": "file:///a", "name": "a"], ["uri": "file:///b"]]]
            default: return nil
            }
        })
        let result = try await h.client.callTool("test_multiple_inputs")
        #expect(result.text == "confirm: accept, roots: 2")
        #expect(Set(asked.values.map(\.method)) == ["elicitation/create", "roots/list"])
        if era == .auto {
            let retry = try #require(h.wire.sentRequests("tools/call").last?["params"]?["inputResponses"])
            #expect(Set(retry.objectValue?.keys ?? []) == ["confirm", "roots"])
        }
    }

    @Test(arguments: eras)
    func samplingThroughTheProvider(era: MCPEraPreference) async throws {
        let asked = Collector<MCPInputRequest>()
        let h = try await ReferenceHarness.connected(era, events: Self.recording(asked) { _ in
            ["role": "assistant", "content": ["type": "text", "text": "hi there"], "model": "fixture-model", "stopReason": "endTurn"]
        })
        let result = try await h.client.callTool("test_sampling", arguments: ["prompt": "say hi"])
        #expect(result.text == "model said: hi there")
        #expect(asked.values.first?.params["messages"]?[0]?["content"]?["text"] == "say hi")
    }

    @Test(arguments: eras)
    func samplingWithoutAProviderIsRefused(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, capabilities: ["sampling": [:]])
        if era == .legacy {
            // The client answers −32601; the reference tool reports that as a tool error.
            let result = try await h.client.callTool("test_sampling", arguments: ["prompt": "x"])
            #expect(result.isError)
            #expect(result.text.contains("-32601"))
        } else {
            await #expect {
                try await h.client.callTool("test_sampling", arguments: ["prompt": "x"])
            } throws: { error in
                guard case .inputRefused(let why) = error as? MCPClientError else { return false }
                return why.contains("sampling/createMessage")
            }
        }
    }

    @Test(arguments: eras)
    func aThrowingProviderRefuses(era: MCPEraPreference) async throws {
        let h = try await ReferenceHarness.connected(era, events: MCPClientEvents(inputProvider: { _ in
            throw MCPClientError.server(code: -32000, message: "the user is away", data: nil)
        }))
        if era == .legacy {
            let result = try await h.client.callTool("test_elicitation")
            #expect(result.isError)
            #expect(result.text.contains("the user is away"))
        } else {
            await #expect {
                try await h.client.callTool("test_elicitation")
            } throws: { error in
                guard case .inputRefused(let why) = error as? MCPClientError else { return false }
                return why.contains("the user is away")
            }
        }
    }

    @Test func inputRoundsAreBounded() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "server/discover": return [ScriptedServer.result(for: message, ScriptedServer.discoverResult)]
            case "tools/call":
                return [ScriptedServer.result(for: message, [
                    "resultType": "input_required",
                    "inputRequests": ["again": ["method": "roots/list"]],
                    "requestState": "s",
                ])]
            default: return []
            }
        }
        let client = MCPClient(transport: server, configuration: MCPClientConfiguration(probeTimeout: .seconds(60), maxInputRounds: 3))
        try await client.connect()
        await #expect(throws: MCPClientError.tooManyInputRounds(3)) { try await client.callTool("loop") }
        #expect(server.sentMethods.filter { $0 == "tools/call" }.count == 4)
        let ids = server.sent.filter { $0["method"] == "tools/call" }.compactMap { $0["id"] }
        #expect(Set(ids).count == 4, "every round has its own id")
    }
}
