import JSON

/// Parses the JSON text of a tool call's arguments, assembled from streamed pieces.
///
/// Why strict: a tool's input must be an object (MCP `arguments`, Anthropic `input`), and a
/// model that produces anything else — cut-off JSON, a bare string — has made an invalid call
/// that must not reach a tool. Empty text means no arguments, which both providers send for
/// parameterless tools.
enum ToolArguments {
    static func parse(_ text: String, tool: String) throws(ModelError) -> JSONValue {
        if text.allSatisfy(\.isWhitespace) { return .object([:]) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw .invalidToolArguments(tool: tool, reason: "not valid JSON (\(error))")
        }
        guard case .object = value else {
            throw .invalidToolArguments(tool: tool, reason: "not a JSON object (got \(value.typeName))")
        }
        return value
    }
}
