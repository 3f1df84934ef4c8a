import JSON

/// The JSON body of an Anthropic Messages API request (`POST /v1/messages`, streamed).
///
/// Wire shapes: text blocks `{"type":"text","text":…}`; tool calls
/// `{"type":"tool_use","id":…,"name":…,"input":{…}}` in assistant messages; tool results
/// `{"type":"tool_result","tool_use_id":…,"content":…,"is_error":true}` in user messages; tools
/// `{"name","description","input_schema"}`. `max_tokens` is required by the API, hence the default.
enum AnthropicRequestBody {
    static let defaultMaxTokens = 4096

    static func json(_ request: ModelRequest) -> JSONValue {
        var body: JSONObject = [
            "model": .string(request.model),
            "max_tokens": .int(Int64(request.maxTokens ?? defaultMaxTokens)),
        ]
        if let system = request.system, !system.isEmpty { body["system"] = .string(system) }
        body["messages"] = .array(ConversationNormalizer.normalized(request.messages).map(message))
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    [
                        "name": .string(tool.name), "description": .string(tool.description),
                        "input_schema": tool.inputSchema,
                    ]
                })
        }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        body["stream"] = .bool(true)
        return .object(body)
    }

    private static func message(_ message: ModelMessage) -> JSONValue {
        ["role": .string(message.role.rawValue), "content": .array(message.content.map(block))]
    }

    private static func block(_ content: ModelContent) -> JSONValue {
        switch content {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .toolUse(let id, let name, let input):
            return ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
        case .toolResult(let id, let text, let isError):
            var object: JSONObject = ["type": "tool_result", "tool_use_id": .string(id), "content": .string(text)]
            if isError { object["is_error"] = .bool(true) }
            return .object(object)
        }
    }
}
