// Schema: small builders for the JSON Schemas of the platform tools, so each definition reads as
// a list of its fields.

import JSON

enum Schema {
    static func object(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var object: JSONObject = ["type": "object", "properties": .object(JSONObject(properties)), "additionalProperties": false]
        if !required.isEmpty { object["required"] = .array(required.map { .string($0) }) }
        return .object(object)
    }

    static func string(_ description: String, maxLength: Int = 256) -> JSONValue {
        ["type": "string", "description": .string(description), "maxLength": .int(Int64(maxLength))]
    }

    static func id(_ description: String) -> JSONValue {
        ["type": "string", "description": .string(description), "minLength": 1, "maxLength": 128]
    }

    static func enumeration(_ description: String, _ values: [String]) -> JSONValue {
        ["type": "string", "description": .string(description), "enum": .array(values.map { .string($0) })]
    }

    static func integer(_ description: String, _ range: ClosedRange<Int64>) -> JSONValue {
        ["type": "integer", "description": .string(description), "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound)]
    }

    static func boolean(_ description: String) -> JSONValue { ["type": "boolean", "description": .string(description)] }

    static func freeObject(_ description: String) -> JSONValue { ["type": "object", "description": .string(description)] }

    static let limit = integer("Most items to return (default 50).", 1...200)
    static let cursor = string("The next_cursor of the previous page.", maxLength: 512)

    /// The output schema of a paginated list of `key`.
    static func page(_ key: String) -> JSONValue {
        object([(key, ["type": "array", "items": ["type": "object"]]), ("next_cursor", ["type": ["string", "null"]])], required: [key])
    }

    static let anyObject: JSONValue = ["type": "object"]
}
