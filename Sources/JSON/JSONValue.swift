/// The JSON value every layer of AgentBridge speaks.
///
/// MCP arguments, schemas and results are arbitrary JSON, so the wire format is this one enum,
/// parsed and printed by our own byte-level code (`JSONParser`, `JSONWriter`) instead of Codable:
/// on this toolchain a Codable JSON enum is 17–26× slower than a hand parser (TOOLCHAIN.md §5).
/// Integers and doubles are separate cases so JSON-RPC ids, counts and cursors round-trip exactly.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal (no fraction, no exponent) that fits in 64 bits.
    case int(Int64)
    /// Any other number. Integer literals beyond the Int64 range also land here (documented loss).
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// JSON that is already serialized, written verbatim. An output-side optimization for large,
    /// rarely changing results (a cached `tools/list` page): reading into it yields nothing, and
    /// it equals only another `.encoded` with the same bytes.
    case encoded(EncodedJSON)
}

/// Serialized JSON that is known to be valid because only `JSONWriter` makes it.
public struct EncodedJSON: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(_ value: JSONValue) {
        bytes = JSONWriter.bytes(value)
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The integer value of an `.int`, or of a `.double` that holds an exact integer.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.007_199_254_740_992e15: return Int64(d)
        default: return nil
        }
    }

    /// Any number as a Double.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// A short name for the JSON type, for error messages ("expected string, got array").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        case .encoded: return "encoded JSON"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text; handy in tests and logs.
    public var description: String { JSONWriter.string(self) }
}
