import HTTPClient
import JSON

/// Decodes the OpenAI Chat Completions streaming protocol into `ModelEvent`s.
///
/// The protocol: `data:` events holding `chat.completion.chunk` objects, then `data: [DONE]`.
/// Text arrives in `choices[0].delta.content`. Tool calls arrive in `delta.tool_calls[]`, keyed
/// by `index`: the first piece of a call carries its `id` and `function.name`, later pieces
/// append to `function.arguments` (a JSON text), and several calls may be interleaved. The calls
/// are complete when `finish_reason` arrives, and are yielded then, in index order. With
/// `include_usage` a last chunk with empty `choices` carries `usage`. Compatible servers vary:
/// usage may be missing or ride on the finish chunk, `[DONE]` may be missing after a finish, a
/// call may lack an id or send its arguments as an object, and some report `stop` for a turn
/// that made tool calls (reported here as `toolUse`, which is what the turn means).
struct OpenAIStreamDecoder: ModelStreamDecoder {
    private struct PendingCall {
        var id: String?
        var name: String?
        var arguments = ""
    }

    private(set) var isComplete = false
    private var pending: [Int: PendingCall] = [:]
    private var madeToolCalls = false
    private var finishReason: ModelStopReason?
    private var usage: ModelUsage?

    mutating func decode(_ event: SSEEvent) throws(ModelError) -> [ModelEvent] {
        let data = event.data.trimmingWhitespace
        if data.isEmpty { return [] }
        if data == "[DONE]" {
            isComplete = true
            var events = try flushCalls()
            events.append(.finished(stopReason(default: .other), usage))
            return events
        }
        let chunk = JSONValue.object(try StreamJSON.object(data, event: "chat.completion.chunk"))
        if chunk["error"] != nil || chunk["object"]?.stringValue == "error" { throw Self.error(chunk) }
        if let u = chunk["usage"], case .object = u {
            usage = ModelUsage(inputTokens: u["prompt_tokens"]?.int ?? 0, outputTokens: u["completion_tokens"]?.int ?? 0)
        }
        guard let choices = chunk["choices"]?.arrayValue,
            let choice = choices.first(where: { ($0["index"]?.int ?? 0) == 0 })
        else { return [] }
        var events: [ModelEvent] = []
        let delta = choice["delta"]
        if let text = delta?["content"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
        if let calls = delta?["tool_calls"]?.arrayValue {
            for (position, call) in calls.enumerated() { accumulate(call, at: call["index"]?.int ?? position) }
        }
        if let reason = choice["finish_reason"]?.stringValue {
            finishReason = Self.stopReason(reason)
            events += try flushCalls()
        }
        return events
    }

    mutating func finishAtEndOfBody() throws(ModelError) -> [ModelEvent] {
        guard finishReason != nil else { throw .malformedStream("the stream ended before [DONE] or a finish_reason") }
        var events = try flushCalls()
        events.append(.finished(stopReason(default: .other), usage))
        return events
    }

    private mutating func accumulate(_ call: JSONValue, at index: Int) {
        var entry = pending[index] ?? PendingCall()
        if let id = call["id"]?.stringValue, !id.isEmpty { entry.id = id }
        let function = call["function"]
        if entry.name == nil, let name = function?["name"]?.stringValue, !name.isEmpty { entry.name = name }
        switch function?["arguments"] {
        case .string(let piece)?: entry.arguments += piece
        case let value? where value.objectValue != nil: entry.arguments += JSONWriter.string(value)
        default: break
        }
        pending[index] = entry
    }

    /// The accumulated calls as complete tool calls, in index order.
    private mutating func flushCalls() throws(ModelError) -> [ModelEvent] {
        var events: [ModelEvent] = []
        for index in pending.keys.sorted() {
            let call = pending[index]!
            guard let name = call.name else { throw .malformedStream("tool call \(index) has no function name") }
            let input = try ToolArguments.parse(call.arguments, tool: name)
            events.append(.toolCall(ModelToolCall(id: call.id ?? "call_\(index)", name: name, input: input)))
        }
        pending = [:]
        if !events.isEmpty { madeToolCalls = true }
        return events
    }

    private func stopReason(default fallback: ModelStopReason) -> ModelStopReason {
        let reason = finishReason ?? fallback
        return madeToolCalls && (reason == .endTurn || reason == .other) ? .toolUse : reason
    }

    static func stopReason(_ finishReason: String) -> ModelStopReason {
        switch finishReason {
        case "stop": .endTurn
        case "tool_calls", "function_call": .toolUse
        case "length": .maxTokens
        case "content_filter": .refusal
        default: .other
        }
    }

    /// An error chunk (`{"error":{…}}`, or vLLM's `{"object":"error",…}`) as a `ModelError`; a
    /// numeric `code` in the HTTP range is taken as the status.
    static func error(_ chunk: JSONValue) -> ModelError {
        let message = ProviderErrorBody.message(in: chunk) ?? "error"
        let code = chunk["error"]?["code"]?.int ?? chunk["code"]?.int
        switch code {
        case 401?, 403?: return .unauthorized(provider: "openai")
        case 429?: return .rateLimited(retryAfterSeconds: nil)
        case let status? where (400...599).contains(status): return .server(status: status, message: message)
        default: return .server(status: 500, message: message)
        }
    }
}
