// SQLValue: the five storage classes of SQLite as one Swift value. Every value that reaches SQL
// travels as an SQLValue and is *bound* to a parameter, never spliced into SQL text, so data can
// never be read as SQL.

/// One SQLite value: NULL, a 64-bit integer, a double, UTF-8 text or a byte blob.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The SQLite storage class name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }
}

extension SQLValue {
    /// An integer value from a Swift `Int`.
    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    /// `1` or `0`, the way SQLite stores booleans.
    public static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }

    /// `.text(value)`, or `.null` when `value` is nil.
    public static func optionalText(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }

    /// `.integer(value)`, or `.null` when `value` is nil.
    public static func optionalInteger(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
}
