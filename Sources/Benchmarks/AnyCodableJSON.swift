/// A Codable "any JSON" value, as Codable-based MCP code writes it for schemas and arguments.
///
/// Tool arguments and JSON Schemas are open-ended, so a typed Codable model still needs a generic
/// value at those leaves. This is the usual pattern (the official Swift SDK's `Value`, the
/// AnyCodable packages): decode by trying each JSON type in turn through a single-value container.
/// It is the Codable counterpart of our `JSONValue` and what the JSONDecoder/JSONEncoder rows use.
enum AnyCodableJSON: Codable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([AnyCodableJSON])
    case object([String: AnyCodableJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AnyCodableJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AnyCodableJSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
