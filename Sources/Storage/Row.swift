// Row: one result row copied out of SQLite into Swift values, so it stays valid after the
// statement is reset and can cross concurrency domains (it is Sendable). Typed accessors by
// column name or index throw a precise `RowError` instead of guessing or coercing.

/// A result row: column names and values, with typed access.
public struct Row: Sendable, Hashable {
    /// Column names, in result order (shared between the rows of one query).
    public let columns: [String]
    /// Values, in result order.
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The raw value of the column called `name` (the first one, if names repeat).
    public func value(_ name: String) throws(RowError) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else {
            throw .missingColumn(name: name, available: columns)
        }
        return values[index]
    }

    /// The raw value at `index`.
    public func value(at index: Int) throws(RowError) -> SQLValue {
        guard values.indices.contains(index) else { throw .indexOutOfRange(index: index, count: values.count) }
        return values[index]
    }

    private func mismatch(_ column: String, _ expected: String, _ value: SQLValue) -> RowError {
        .typeMismatch(column: column, expected: expected, actual: value.typeName)
    }

    // MARK: by name

    /// A non-NULL integer column.
    public func int64(_ name: String) throws(RowError) -> Int64 {
        let value = try value(name)
        guard case let .integer(number) = value else { throw mismatch(name, "integer", value) }
        return number
    }

    /// A non-NULL integer column as `Int`.
    public func int(_ name: String) throws(RowError) -> Int { Int(try int64(name)) }

    /// An integer column stored as 0/1.
    public func bool(_ name: String) throws(RowError) -> Bool { try int64(name) != 0 }

    /// A non-NULL real column (an integer value is accepted and converted, as SQLite does).
    public func double(_ name: String) throws(RowError) -> Double {
        let value = try value(name)
        switch value {
        case let .real(number): return number
        case let .integer(number): return Double(number)
        default: throw mismatch(name, "real", value)
        }
    }

    /// A non-NULL text column.
    public func string(_ name: String) throws(RowError) -> String {
        let value = try value(name)
        guard case let .text(text) = value else { throw mismatch(name, "text", value) }
        return text
    }

    /// A non-NULL blob column.
    public func blob(_ name: String) throws(RowError) -> [UInt8] {
        let value = try value(name)
        guard case let .blob(bytes) = value else { throw mismatch(name, "blob", value) }
        return bytes
    }

    /// An integer column that may be NULL.
    public func optionalInt64(_ name: String) throws(RowError) -> Int64? {
        if case .null = try value(name) { return nil }
        return try int64(name)
    }

    /// An integer column that may be NULL, as `Int`.
    public func optionalInt(_ name: String) throws(RowError) -> Int? { try optionalInt64(name).map { Int($0) } }

    /// A real column that may be NULL.
    public func optionalDouble(_ name: String) throws(RowError) -> Double? {
        if case .null = try value(name) { return nil }
        return try double(name)
    }

    /// A text column that may be NULL.
    public func optionalString(_ name: String) throws(RowError) -> String? {
        if case .null = try value(name) { return nil }
        return try string(name)
    }

    /// A blob column that may be NULL.
    public func optionalBlob(_ name: String) throws(RowError) -> [UInt8]? {
        if case .null = try value(name) { return nil }
        return try blob(name)
    }

    /// Whether the column called `name` is NULL.
    public func isNull(_ name: String) throws(RowError) -> Bool { try value(name) == .null }

    // MARK: by index

    private func name(at index: Int) -> String { columns[index] }

    /// A non-NULL integer column at `index`.
    public func int64(at index: Int) throws(RowError) -> Int64 {
        let value = try value(at: index)
        guard case let .integer(number) = value else { throw mismatch(name(at: index), "integer", value) }
        return number
    }

    /// A non-NULL integer column at `index` as `Int`.
    public func int(at index: Int) throws(RowError) -> Int { Int(try int64(at: index)) }

    /// A non-NULL real column at `index` (integers are converted).
    public func double(at index: Int) throws(RowError) -> Double {
        let value = try value(at: index)
        switch value {
        case let .real(number): return number
        case let .integer(number): return Double(number)
        default: throw mismatch(name(at: index), "real", value)
        }
    }

    /// A non-NULL text column at `index`.
    public func string(at index: Int) throws(RowError) -> String {
        let value = try value(at: index)
        guard case let .text(text) = value else { throw mismatch(name(at: index), "text", value) }
        return text
    }

    /// A non-NULL blob column at `index`.
    public func blob(at index: Int) throws(RowError) -> [UInt8] {
        let value = try value(at: index)
        guard case let .blob(bytes) = value else { throw mismatch(name(at: index), "blob", value) }
        return bytes
    }

    /// A text column at `index` that may be NULL.
    public func optionalString(at index: Int) throws(RowError) -> String? {
        if case .null = try value(at: index) { return nil }
        return try string(at: index)
    }

    /// An integer column at `index` that may be NULL.
    public func optionalInt64(at index: Int) throws(RowError) -> Int64? {
        if case .null = try value(at: index) { return nil }
        return try int64(at: index)
    }
}
