/// Ordered HTTP header fields with case-insensitive lookup that keep the spelling they were given.
///
/// Why not a dictionary: field names are case-insensitive, but order, repeated fields and the
/// peer's spelling matter (logging, `values(_:)`, proxies). A request carries a dozen fields, so a
/// linear scan beats hashing.
///
/// Header injection is impossible through this type: every name must be an RFC 9110 token and
/// every value must be free of CR, LF, NUL and other controls (tab is allowed).
/// - `add`, `set` and `init(_:)` treat an invalid name or value as a programmer error and stop
///   the process with `precondition`, exactly like an out-of-range array index.
/// - `tryAdd` and `trySet` throw `HTTPError.invalidHeaderName` / `.invalidHeaderValue` instead;
///   use them (or check `isValidName`/`isValidValue`) whenever a name or value comes from input.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    public init() {
        fields = []
    }

    /// Validating initializer (see the type's documentation for what is checked).
    public init(_ pairs: [(String, String)]) {
        fields = []
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs { add(name, value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Already-validated fields (the request and response parsers check every byte themselves).
    package init(validated: [Element]) {
        fields = validated
    }

    public static func isValidName(_ name: String) -> Bool { HTTPSyntax.isToken(name) }
    public static func isValidValue(_ value: String) -> Bool { HTTPSyntax.isFieldValue(value) }

    /// The first value for `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        for f in fields where HTTPSyntax.equalsIgnoringCase(f.name, name) { return f.value }
        return nil
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.lazy.filter { HTTPSyntax.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// The value of `name` when the field appears exactly once, else nil (absent or repeated);
    /// `values(_:).count == 1` without building the array.
    public func only(_ name: String) -> String? {
        var found: String?
        for f in fields where HTTPSyntax.equalsIgnoringCase(f.name, name) {
            if found != nil { return nil }
            found = f.value
        }
        return found
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// Appends a field. Stops the process if `name` is not a token or `value` contains CR, LF,
    /// NUL or another control character; see `tryAdd` for the throwing variant.
    public mutating func add(_ name: String, _ value: String) {
        precondition(Self.isValidName(name), "HTTPHeaders: invalid header name \(name.debugDescription)")
        precondition(Self.isValidValue(value), "HTTPHeaders: invalid value for header \(name)")
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field (kept at the first one's position).
    public mutating func set(_ name: String, _ value: String) {
        precondition(Self.isValidName(name), "HTTPHeaders: invalid header name \(name.debugDescription)")
        precondition(Self.isValidValue(value), "HTTPHeaders: invalid value for header \(name)")
        replace(name, value)
    }

    /// Appends a field, throwing instead of stopping when the name or value is invalid.
    public mutating func tryAdd(_ name: String, _ value: String) throws(HTTPError) {
        guard Self.isValidName(name) else { throw .invalidHeaderName(name) }
        guard Self.isValidValue(value) else { throw .invalidHeaderValue(name: name) }
        fields.append((name, value))
    }

    /// `set`, throwing instead of stopping when the name or value is invalid.
    public mutating func trySet(_ name: String, _ value: String) throws(HTTPError) {
        guard Self.isValidName(name) else { throw .invalidHeaderName(name) }
        guard Self.isValidValue(value) else { throw .invalidHeaderValue(name: name) }
        replace(name, value)
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    private mutating func replace(_ name: String, _ value: String) {
        if let i = fields.firstIndex(where: { HTTPSyntax.equalsIgnoringCase($0.name, name) }) {
            fields[i] = (name, value)
            var j = i + 1
            while j < fields.count {
                if HTTPSyntax.equalsIgnoringCase(fields[j].name, name) { fields.remove(at: j) } else { j += 1 }
            }
        } else {
            fields.append((name, value))
        }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
