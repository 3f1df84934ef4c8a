// StoredColumn: reading the domain tables' typed columns back into Swift — JSON documents kept as
// text and enums kept as their raw strings. A value the code does not know (a corrupted row, or a
// newer build's value) is reported as a `RowError` naming the column instead of being guessed.

import JSON
import Storage

/// Column codecs shared by the session, run, event and approval stores.
enum StoredColumn {
    /// The stored text of a JSON value (member order kept, so a document reads back as written).
    static func text(_ value: JSONValue) -> String { JSONWriter.string(value) }

    /// The stored text of an optional JSON value (`NULL` when nil).
    static func optionalText(_ value: JSONValue?) -> SQLValue { value.map { .text(text($0)) } ?? .null }

    /// The JSON document stored in `column`.
    static func json(_ row: Row, _ column: String) throws -> JSONValue {
        try JSONParser.parse(try row.string(column))
    }

    /// The JSON document stored in `column`, or nil for `NULL`.
    static func optionalJSON(_ row: Row, _ column: String) throws -> JSONValue? {
        guard let text = try row.optionalString(column) else { return nil }
        return try JSONParser.parse(text)
    }

    /// The enum case stored as its raw value in `column`.
    static func value<Value: RawRepresentable>(_ row: Row, _ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let raw = try row.string(column)
        guard let value = Value(rawValue: raw) else {
            throw RowError.typeMismatch(column: column, expected: "a known \(Value.self)", actual: "\"\(raw)\"")
        }
        return value
    }
}
