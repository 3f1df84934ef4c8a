import HTTPClient
import JSON

/// Decodes the Anthropic Messages streaming protocol into `ModelEvent`s.
///
/// The protocol: `message_start` (with the input token count), then per content block a
/// `content_block_start` (a `text` block, or a `tool_use` block with id and name), any number of
/// `content_block_delta`s (`text_delta` text, or `input_json_delta` pieces of the tool input's
/// JSON text) and a `content_block_stop`; then `message_delta` (stop reason, output token count)
/// and `message_stop`. `ping` may come at any time and `error` ends the stream. Text is yielded
/// per delta; a tool call once its block stops and the accumulated JSON parses. Unknown event,
/// block and delta types (thinking, citations, future additions) are skipped, as Anthropic's
/// versioning policy asks of clients.
struct AnthropicStreamDecoder: ModelStreamDecoder {
    private enum Block {
        case text
        case toolUse(id: String, name: String, json: String)
        case skipped
    }

    private(set) var isComplete = false
    private var started = false
    private var blocks: [Int: Block] = [:]
    private var stopReason: ModelStopReason?
    private var inputTokens: Int?
    private var outputTokens: Int?

    mutating func decode(_ event: SSEEvent) throws(ModelError) -> [ModelEvent] {
        guard !event.data.isEmpty else { return [] }
        let object = try StreamJSON.object(event.data, event: event.type)
        let json = JSONValue.object(object)
        switch object["type"]?.stringValue ?? event.type {
        case "message_start":
            started = true
            readUsage(json["message"]?["usage"])
            return []
        case "content_block_start":
            return try startBlock(json)
        case "content_block_delta":
            return try delta(json)
        case "content_block_stop":
            return try stopBlock(json)
        case "message_delta":
            if let reason = json["delta"]?["stop_reason"]?.stringValue {
                stopReason = ModelStopReason(rawValue: reason) ?? .other
            }
            readUsage(json["usage"])
            return []
        case "message_stop":
            guard started else { throw .malformedStream("message_stop without message_start") }
            if let open = blocks.first(where: { if case .toolUse = $0.value { true } else { false } }) {
                throw .malformedStream("content block \(open.key) was never stopped")
            }
            isComplete = true
            let usage = inputTokens == nil && outputTokens == nil
                ? nil : ModelUsage(inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0)
            return [.finished(stopReason ?? .other, usage)]
        case "error":
            throw Self.error(json["error"] ?? json)
        default:  // ping, and event types added after this was written
            return []
        }
    }

    mutating func finishAtEndOfBody() throws(ModelError) -> [ModelEvent] {
        throw .malformedStream("the stream ended before message_stop")
    }

    private mutating func readUsage(_ usage: JSONValue?) {
        if let n = usage?["input_tokens"]?.int { inputTokens = n }
        if let n = usage?["output_tokens"]?.int { outputTokens = n }
    }

    private static func index(_ json: JSONValue, _ event: String) throws(ModelError) -> Int {
        guard let index = json["index"]?.int else { throw .malformedStream("\(event) without an index") }
        return index
    }

    private mutating func startBlock(_ json: JSONValue) throws(ModelError) -> [ModelEvent] {
        let index = try Self.index(json, "content_block_start")
        guard blocks[index] == nil else { throw .malformedStream("content block \(index) started twice") }
        let block = json["content_block"]
        switch block?["type"]?.stringValue {
        case "text":
            blocks[index] = .text
            if let text = block?["text"]?.stringValue, !text.isEmpty { return [.textDelta(text)] }
        case "tool_use":
            guard let id = block?["id"]?.stringValue, let name = block?["name"]?.stringValue else {
                throw .malformedStream("tool_use block \(index) without id or name")
            }
            // The input is streamed as JSON text; a non-empty `input` here is an older or
            // non-streaming shape, taken as the starting text.
            var json = ""
            if let input = block?["input"], input != .object([:]) { json = JSONWriter.string(input) }
            blocks[index] = .toolUse(id: id, name: name, json: json)
        default:
            blocks[index] = .skipped
        }
        return []
    }

    private mutating func delta(_ json: JSONValue) throws(ModelError) -> [ModelEvent] {
        let index = try Self.index(json, "content_block_delta")
        guard let block = blocks[index] else { throw .malformedStream("delta for content block \(index), which was not started") }
        let delta = json["delta"]
        switch (delta?["type"]?.stringValue, block) {
        case ("text_delta", .text):
            guard let text = delta?["text"]?.stringValue else { throw .malformedStream("text_delta without text") }
            return text.isEmpty ? [] : [.textDelta(text)]
        case ("input_json_delta", .toolUse(let id, let name, let text)):
            guard let piece = delta?["partial_json"]?.stringValue else {
                throw .malformedStream("input_json_delta without partial_json")
            }
            blocks[index] = .toolUse(id: id, name: name, json: text + piece)
            return []
        case ("text_delta", _), ("input_json_delta", _):
            throw .malformedStream("a \(delta?["type"]?.stringValue ?? "") for content block \(index) of another type")
        default:
            return []
        }
    }

    private mutating func stopBlock(_ json: JSONValue) throws(ModelError) -> [ModelEvent] {
        let index = try Self.index(json, "content_block_stop")
        guard let block = blocks.removeValue(forKey: index) else {
            throw .malformedStream("content_block_stop for block \(index), which was not started")
        }
        guard case .toolUse(let id, let name, let text) = block else { return [] }
        return [.toolCall(ModelToolCall(id: id, name: name, input: try ToolArguments.parse(text, tool: name)))]
    }

    /// An `error` event as the error its type stands for (`overloaded_error` is the HTTP 529 the
    /// API would have answered with, and is retried like it).
    static func error(_ error: JSONValue) -> ModelError {
        let message = error["message"]?.stringValue ?? ""
        let type = error["type"]?.stringValue ?? "error"
        let text = message.isEmpty ? type : "\(type): \(message)"
        switch type {
        case "authentication_error", "permission_error": return .unauthorized(provider: "anthropic")
        case "rate_limit_error": return .rateLimited(retryAfterSeconds: nil)
        case "overloaded_error": return .server(status: 529, message: text)
        case "invalid_request_error": return .server(status: 400, message: text)
        case "not_found_error": return .server(status: 404, message: text)
        case "request_too_large": return .server(status: 413, message: text)
        case "timeout_error": return .server(status: 504, message: text)
        default: return .server(status: 500, message: text)
        }
    }
}
