import JSON

/// Parses the JSON payload of one stream event.
///
/// The error names the event and the parser's position, never the payload itself: a payload
/// could quote anything the provider received.
enum StreamJSON {
    static func object(_ data: String, event: String) throws(ModelError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw .malformedStream("invalid JSON in a \(event) event (\(error))")
        }
        guard case .object(let object) = value else {
            throw .malformedStream("a \(event) event holds \(value.typeName), not an object")
        }
        return object
    }
}
