/// A JSON object that keeps its members in insertion order.
///
/// Insertion order makes output deterministic without a sort on every write and keeps messages
/// readable (`jsonrpc`, `id`, `result` in that order). Lookups scan linearly: MCP objects are small
/// (a handful of keys), where a scan beats hashing; objects above `indexThreshold` members build a
/// hash index once so large maps stay O(1). Equality ignores member order, as JSON does.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]
    private var index: [String: Int]?
    private static let indexThreshold = 16

    public init() {
        keys = []
        values = []
    }

    public init(minimumCapacity: Int) {
        keys = []
        values = []
        keys.reserveCapacity(minimumCapacity)
        values.reserveCapacity(minimumCapacity)
    }

    public init(_ members: some Sequence<(String, JSONValue)>) {
        self.init(minimumCapacity: members.underestimatedCount)
        for (k, v) in members { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Makes room for `count` members without reallocating.
    public mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Element { (keys[position], values[position]) }

    public func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in keys.indices where keys[i] == key { return i }
        return nil
    }

    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// True when both hold the very same member storage — the same value handed out twice, as
    /// `JSONParser.MemberMemo` does — and so are equal without a comparison. False says nothing.
    public func sharesStorage(with other: JSONObject) -> Bool {
        keys.count == other.keys.count
            && keys.withUnsafeBufferPointer { a in other.keys.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
            && values.withUnsafeBufferPointer { a in other.values.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }

    /// Reads a member; setting `nil` removes it, setting a value replaces it in place or appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                    if index != nil { rebuildIndex() }
                }
            } else if let newValue {
                append(key, newValue)
            }
        }
    }

    /// Appends without checking for an existing key. The parser uses it after its own duplicate check.
    @usableFromInline
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index![key] = keys.count - 1
        } else if keys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    mutating func append(_ key: String, _ value: JSONValue) { appendUnchecked(key, value) }

    private mutating func rebuildIndex() {
        var map = [String: Int](minimumCapacity: keys.count)
        for (i, k) in keys.enumerated() { map[k] = i }
        index = keys.count > Self.indexThreshold ? map : nil
    }

    /// Members with keys sorted by their UTF-8 bytes (for canonical forms such as digests).
    public func sortedByKey() -> JSONObject {
        var out = JSONObject(minimumCapacity: count)
        for i in keys.indices.sorted(by: { keys[$0].utf8.lexicographicallyPrecedes(keys[$1].utf8) }) {
            out.appendUnchecked(keys[i], values[i])
        }
        return out
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in lhs.keys.indices {
            guard let v = rhs[lhs.keys[i]], v == lhs.values[i] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var acc = 0
        for i in keys.indices {
            var h = Hasher()
            h.combine(keys[i])
            h.combine(values[i])
            acc ^= h.finalize()
        }
        hasher.combine(count)
        hasher.combine(acc)
    }
}
