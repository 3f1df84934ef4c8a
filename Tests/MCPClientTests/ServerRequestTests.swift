import JSON
import MCPClient
import Testing

/// Requests a legacy server sends on its own, answered without any provider.
@Suite(.timeLimit(.minutes(1)))
struct ServerRequestTests {
    @Test func pingRootsAndUnknownMethodsAreAnswered() async throws {
        let server = ScriptedServer { message, _ in
            switch message["method"]?.stringValue {
            case "initialize": return [ScriptedServer.result(for: message, ScriptedServer.initializeResult())]
            case "tools/call":
                return [
                    .json(["jsonrpc": "2.0", "id": "s-ping", "method": "ping"]),
                    .json(["jsonrpc": "2.0", "id": "s-roots", "method": "roots/list"]),
                    .json(["jsonrpc": "2.0", "id": 7, "method": "sampling/createMessage", "params": ["messages": [], "maxTokens": 1]]),
                    .json(["jsonrpc": "2.0", "id": 8, "method": "tasks/list"]),
                ]
            default: return []
            }
        }
        let client = MCPClient(transport: server, configuration: .patient)
        try await client.connect(era: .legacy)
        let call = Task { try await client.callTool("x", timeout: .seconds(30)) }
        defer { call.cancel() }
        let answers = await Self.answers(from: server, count: 4)
        #expect(answers["s-ping"]?["result"] == [:])
        #expect(answers["s-roots"]?["result"] == ["roots": []])
        #expect(answers[7]?["error"]?["code"] == -32601)
        #expect(answers[8]?["error"]?["code"] == -32601)
    }

    /// Waits (with a hang guard) until the client answered `count` server requests.
    static func answers(from server: ScriptedServer, count: Int) async -> [JSONValue: JSONValue] {
        for _ in 0..<600 {
            let responses = server.sent.filter { $0["method"].isAbsent && !$0["id"].isAbsent }
            if responses.count >= count {
                return Dictionary(responses.map { ($0["id"]!, $0) }, uniquingKeysWith: { a, _ in a })
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return [:]
    }
}
