// RowError: a typed-access mistake on a result row (missing column, wrong type, unexpected NULL),
// reported precisely so a schema/code mismatch is found at once instead of as a wrong value.

/// An error raised by the typed accessors of `Row`.
public enum RowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No column with this name; `available` lists the row's columns.
    case missingColumn(name: String, available: [String])
    /// Column index outside `0..<count`.
    case indexOutOfRange(index: Int, count: Int)
    /// The column holds a value of another type (including NULL for a non-optional accessor).
    case typeMismatch(column: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case let .missingColumn(name, available):
            "no column named '\(name)' in the result (columns: \(available.joined(separator: ", ")))"
        case let .indexOutOfRange(index, count):
            "column index \(index) is out of range (the result has \(count) columns)"
        case let .typeMismatch(column, expected, actual):
            "column '\(column)' holds \(actual), expected \(expected)"
        }
    }
}
