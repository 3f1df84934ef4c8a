import JSON

/// The JSON body of an OpenAI Chat Completions request (`POST /chat/completions`, streamed).
///
/// Wire shapes: the system prompt is the first message; an assistant turn's tool calls are
/// `tool_calls: [{"id","type":"function","function":{"name","arguments":"<JSON text>"}}]`
/// (`content: null` when the turn had no text); each tool result is its own
/// `{"role":"tool","tool_call_id":…,"content":…}` message right after that turn. The format has
/// no error flag for a tool result, so a failed call's text is prefixed with `Error: `.
/// `stream_options.include_usage` asks for the final usage chunk (servers that ignore it are
/// tolerated by the decoder).
enum OpenAIRequestBody {
    static func json(_ request: ModelRequest) -> JSONValue {
        var messages: [JSONValue] = []
        if let system = request.system, !system.isEmpty {
            messages.append(["role": "system", "content": .string(system)])
        }
        for message in ConversationNormalizer.normalized(request.messages) {
            switch message.role {
            case .user: messages += user(message.content)
            case .assistant: messages.append(assistant(message.content))
            }
        }
        var body: JSONObject = ["model": .string(request.model), "messages": .array(messages)]
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    [
                        "type": "function",
                        "function": [
                            "name": .string(tool.name), "description": .string(tool.description),
                            "parameters": tool.inputSchema,
                        ],
                    ]
                })
        }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        body["stream"] = .bool(true)
        body["stream_options"] = ["include_usage": true]
        return .object(body)
    }

    private static func user(_ content: [ModelContent]) -> [JSONValue] {
        var out: [JSONValue] = []
        var texts: [String] = []
        for block in content {
            switch block {
            case .toolResult(let id, let text, let isError):
                out.append(["role": "tool", "tool_call_id": .string(id), "content": .string(isError ? "Error: \(text)" : text)])
            case .text(let text):
                texts.append(text)
            case .toolUse:
                break  // a user cannot call tools; nothing in the wire format could carry it
            }
        }
        if !texts.isEmpty { out.append(["role": "user", "content": .string(texts.joined(separator: "\n\n"))]) }
        return out
    }

    private static func assistant(_ content: [ModelContent]) -> JSONValue {
        var texts: [String] = []
        var calls: [JSONValue] = []
        for block in content {
            switch block {
            case .text(let text):
                texts.append(text)
            case .toolUse(let id, let name, let input):
                calls.append([
                    "id": .string(id), "type": "function",
                    "function": ["name": .string(name), "arguments": .string(JSONWriter.string(input))],
                ])
            case .toolResult:
                break  // tool results belong to user messages
            }
        }
        var message: JSONObject = ["role": "assistant"]
        message["content"] = texts.isEmpty ? .null : .string(texts.joined(separator: "\n\n"))
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return .object(message)
    }
}
