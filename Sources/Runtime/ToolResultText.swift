// ToolResultText: an MCP CallToolResult as the text a model reads. Text blocks pass through;
// other blocks are named (a model that takes only text must still learn that an image came back);
// a result with only structured content shows it as JSON. Long results are cut so one tool
// cannot exhaust the model's context, and the cut says so.

import JSON

/// Rendering of tool results for the model.
enum ToolResultText {
    /// Longest text handed to the model, in characters.
    static let maxLength = 100_000

    /// The text and error flag of CallToolResult `json`.
    static func render(_ json: JSONValue) -> (text: String, isError: Bool) {
        let isError = json["isError"]?.boolValue ?? false
        var parts: [String] = []
        for block in json["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": parts.append(block["text"]?.stringValue ?? "")
            case "image": parts.append("[image \(block["mimeType"]?.stringValue ?? "")]")
            case "audio": parts.append("[audio \(block["mimeType"]?.stringValue ?? "")]")
            case "resource":
                let resource = block["resource"]
                parts.append(resource?["text"]?.stringValue ?? "[resource \(resource?["uri"]?.stringValue ?? "")]")
            case "resource_link": parts.append("[resource link \(block["uri"]?.stringValue ?? "")]")
            default: parts.append(JSONWriter.string(block, sortKeys: true))
            }
        }
        if parts.isEmpty, let structured = json["structuredContent"] { parts.append(JSONWriter.string(structured, sortKeys: true)) }
        return (cut(parts.joined(separator: "\n")), isError)
    }

    /// `text` cut to `maxLength` characters, saying how much was left out.
    static func cut(_ text: String) -> String {
        guard text.count > maxLength else { return text }
        return String(text.prefix(maxLength)) + "\n… (\(text.count - maxLength) more characters cut)"
    }
}
