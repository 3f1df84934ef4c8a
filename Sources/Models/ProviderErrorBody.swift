import JSON

/// The human message in a provider's error body.
///
/// Shapes seen in the wild: Anthropic `{"type":"error","error":{"type":…,"message":…}}`,
/// OpenAI `{"error":{"message":…,"type":…,"code":…}}`, Ollama `{"error":"…"}`, vLLM
/// `{"object":"error","message":…}`; anything else is shown as text. Redaction and truncation
/// happen when the error leaves the client (`ModelError.sanitized(hiding:)`).
enum ProviderErrorBody {
    static func message(_ body: [UInt8]) -> String {
        if let json = try? JSONParser.parse(body), let found = message(in: json) { return found }
        return String(decoding: body, as: UTF8.self).trimmingWhitespace
    }

    /// The message of an error object in any of the known shapes, prefixed by its type.
    static func message(in json: JSONValue) -> String? {
        if let error = json["error"] {
            if let s = error.stringValue { return s }
            if let m = error["message"]?.stringValue {
                if let type = error["type"]?.stringValue, !type.isEmpty { return "\(type): \(m)" }
                return m
            }
        }
        return json["message"]?.stringValue ?? json["detail"]?.stringValue
    }
}
