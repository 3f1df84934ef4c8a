#if canImport(Glibc)
import Glibc
#endif

/// Checks a JSON text without building it, and finds an object's members by byte range.
///
/// For code that forwards most of a message untouched (the gateway's tool-call relay): it needs
/// to know that a line is valid and where `params.arguments` sits, not a tree of it. The scanner
/// is never more permissive than `JSONParser`: whatever it accepts, the parser accepts too (same
/// grammar, UTF-8 rules, surrogate rules, depth and size limits, and no duplicate keys). It is
/// deliberately *less* permissive where matching the parser exactly would cost allocations: a key
/// with an escape or a non-ASCII byte (the parser compares keys as Swift strings, which equates
/// canonically equivalent spellings), an object with more than `maxKeysPerObject` members, a
/// number with an exponent or more than 18 digits (the parser turns those into doubles and
/// refuses the out-of-range ones). On any of these, and on every real error, it returns nil and
/// the caller falls back to `JSONParser`, which gives the precise error when there is one.
public enum JSONScanner {
    /// One member of an object: where its key (between the quotes, raw) and its value lie.
    public struct Member: Sendable, Equatable {
        public var key: Range<Int>
        public var value: Range<Int>

        public init(key: Range<Int>, value: Range<Int>) {
            self.key = key
            self.value = value
        }
    }

    public static let maxKeysPerObject = 32

    /// Keys of the objects open at once (all enclosing objects' keys are kept for the duplicate
    /// check); deeper or wider texts are left to the parser. The stack buffers (keys, the top
    /// object's members, the nested object's) are each at most 1 KiB: larger temporary
    /// allocations are not guaranteed a place on the stack, and on the relay's reader threads
    /// they were not — two heap allocations per scan.
    public static let keyStackCapacity = 64

    /// The members of the object that makes up all of `buffer` (whitespace aside), in order; nil
    /// when the text is not such an object or is outside what the scanner vouches for.
    public static func objectMembers(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default) -> [Member]? {
        var found: [Member]?
        withObjectMembers(buffer, limits: limits, nested: nil) { top, _ in found = Array(top) }
        return found
    }

    /// `objectMembers`, plus the members of the object under the top-level key `nested` (nil when
    /// that key is absent or its value is not an object), found in the same pass: a relay that
    /// needs `params` or `result` does not walk it twice.
    public static func objectMembers(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default,
                                     nested: StaticString) -> (members: [Member], nested: [Member]?)? {
        var found: (members: [Member], nested: [Member]?)?
        withObjectMembers(buffer, limits: limits, nested: nested) { top, inner in found = (Array(top), inner.map { Array($0) }) }
        return found
    }

    /// `objectMembers(_:limits:nested:)` without allocating: `body` sees the members in buffers
    /// that live on the stack for the call (the relay scans two messages a call, and the arrays
    /// were a third of its allocations). False, without calling `body`, when the scan fails.
    /// Not generic on purpose: called from other modules, a generic version ran unspecialized
    /// and looked up type metadata on every call.
    ///
    /// `known`: the bytes of a value that this scanner accepted before, under the same limits, as
    /// a member of the object under `nested` (a relay's unchanging `params._meta` envelope, or its
    /// upstream's `result._meta`). A member value of that object that starts with exactly these
    /// bytes is stepped over instead of checked again: the same bytes at the same depth are valid
    /// again. Only an object, array or string is used (each ends itself, so the scan finds the
    /// same members with or without it); what follows is checked as usual.
    @discardableResult
    public static func withObjectMembers(_ buffer: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits = .default, nested: StaticString?,
                                         known: UnsafeRawBufferPointer? = nil,
                                         _ body: (UnsafeBufferPointer<Member>, UnsafeBufferPointer<Member>?) -> Void) -> Bool {
        guard buffer.count <= limits.maxBytes else { return false }
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: keyStackCapacity) { keys in
            withUnsafeTemporaryAllocation(of: Member.self, capacity: maxKeysPerObject) { top in
                withUnsafeTemporaryAllocation(of: Member.self, capacity: maxKeysPerObject) { inner in
                    var scanner = Scanner(buf: buffer, maxDepth: limits.maxDepth, keys: keys, top: top, inner: inner)
                    scanner.nestedKey = nested
                    // Objects, arrays and strings end themselves, so bytes that begin a valid value
                    // are that whole value; a number could be the start of a longer one.
                    if let known, let first = known.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") {
                        scanner.known = known
                    }
                    scanner.skipWhitespace()
                    guard scanner.pos < buffer.count, buffer[scanner.pos] == UInt8(ascii: "{"),
                          scanner.object(depth: 1, collect: .top) else { return false }
                    scanner.skipWhitespace()
                    guard scanner.pos == buffer.count else { return false }
                    body(UnsafeBufferPointer(rebasing: top[0..<scanner.topCount]),
                         scanner.innerCount < 0 ? nil : UnsafeBufferPointer(rebasing: inner[0..<scanner.innerCount]))
                    return true
                }
            }
        }
    }

    /// The members of the object at `range` — which must be an object value inside a text that
    /// `objectMembers` accepted (the ranges it returned, or ranges this function returned for
    /// them). The text is not checked again: this only splits, so a caller can look into nested
    /// objects without paying for validation twice. Nil when `range` does not hold an object.
    public static func members(of range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>) -> [Member]? {
        var members: [Member] = []
        members.reserveCapacity(8)
        guard forEachMember(of: range, in: buffer, { members.append($0); return true }) else { return nil }
        return members
    }

    /// `members(of:in:)` one member at a time, without collecting them; `body` returns false to
    /// stop early. False when `range` does not hold an object or `body` stopped.
    public static func forEachMember(of range: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>, _ body: (Member) -> Bool) -> Bool {
        guard range.lowerBound >= 0, range.upperBound <= buffer.count, range.count >= 2,
              buffer[range.lowerBound] == UInt8(ascii: "{"), buffer[range.upperBound - 1] == UInt8(ascii: "}") else { return false }
        var pos = range.lowerBound + 1
        let end = range.upperBound - 1
        func skipWhitespace() {
            while pos < end, buffer[pos] == 0x20 || buffer[pos] == 0x0A || buffer[pos] == 0x0D || buffer[pos] == 0x09 { pos += 1 }
        }
        /// Moves past the string starting at `pos` (its opening quote).
        func skipString() {
            pos += 1
            while pos < end {
                pos = SWAR.skipUnquoted(buffer, from: pos, end: end)
                guard pos < end else { return }
                let c = buffer[pos]
                if c == UInt8(ascii: "\"") { pos += 1; return }
                pos += c == UInt8(ascii: "\\") ? 2 : 1
            }
        }
        /// Moves past the value starting at `pos`.
        func skipValue() {
            guard pos < end else { return }
            let first = buffer[pos]
            if first == UInt8(ascii: "\"") { return skipString() }
            guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                while pos < end, buffer[pos] != UInt8(ascii: ","), !isSpace(buffer[pos]) { pos += 1 }
                return
            }
            var depth = 0
            while pos < end {
                let c = buffer[pos]
                if c == UInt8(ascii: "\"") { skipString(); continue }
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { pos += 1; return }
                }
                pos += 1
            }
        }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
        while true {
            skipWhitespace()
            guard pos < end, buffer[pos] == UInt8(ascii: "\"") else { return pos >= end }
            let keyStart = pos + 1
            skipString()
            let key = keyStart..<(pos - 1)
            skipWhitespace()
            guard pos < end, buffer[pos] == UInt8(ascii: ":") else { return false }
            pos += 1
            skipWhitespace()
            let valueStart = pos
            skipValue()
            guard body(Member(key: key, value: valueStart..<pos)) else { return false }
            skipWhitespace()
            guard pos < end else { return true }
            guard buffer[pos] == UInt8(ascii: ",") else { return false }
            pos += 1
        }
    }

    /// Whether the raw bytes at `range` are exactly `literal` (a key or a whole value).
    @inlinable
    public static func equals(_ range: Range<Int>, _ literal: StaticString, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let bytes = literal.utf8Start
        for i in 0..<range.count where buffer[range.lowerBound + i] != bytes[i] { return false }
        return true
    }

    private struct Scanner {
        let buf: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var pos = 0
        /// Keys of the objects being scanned, innermost last.
        let keys: UnsafeMutableBufferPointer<Range<Int>>
        var keyCount = 0
        /// The top-level object's members, and the nested object's.
        let top: UnsafeMutableBufferPointer<Member>
        let inner: UnsafeMutableBufferPointer<Member>
        var topCount = 0
        /// -1 until the nested object was scanned.
        var innerCount = -1
        /// A top-level key whose object value's members are collected too.
        var nestedKey: StaticString?
        /// See `withObjectMembers(known:)`.
        var known: UnsafeRawBufferPointer?

        enum Collect { case none, top, nested }

        init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int, keys: UnsafeMutableBufferPointer<Range<Int>>,
             top: UnsafeMutableBufferPointer<Member>, inner: UnsafeMutableBufferPointer<Member>) {
            self.buf = buf
            self.maxDepth = maxDepth
            self.keys = keys
            self.top = top
            self.inner = inner
        }

        mutating func skipWhitespace() {
            while pos < buf.count {
                let c = buf[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
            }
        }

        mutating func value(depth: Int) -> Bool {
            guard pos < buf.count else { return false }
            switch buf[pos] {
            case UInt8(ascii: "{"): return object(depth: depth + 1, collect: .none)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string(asKey: false)
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
            default: return false
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard pos + n <= buf.count else { return false }
            for i in 0..<n where buf[pos + i] != word.utf8Start[i] { return false }
            pos += n
            return true
        }

        /// An object; its members are stored when `collect` says where.
        mutating func object(depth: Int, collect: Collect) -> Bool {
            guard depth <= maxDepth else { return false }
            pos += 1
            let base = keyCount
            defer { keyCount = base }
            if collect == .nested { innerCount = 0 }
            skipWhitespace()
            if pos < buf.count && buf[pos] == UInt8(ascii: "}") {
                pos += 1
                return true
            }
            while true {
                skipWhitespace()
                guard pos < buf.count, buf[pos] == UInt8(ascii: "\"") else { return false }
                let keyStart = pos + 1
                guard string(asKey: true) else { return false }
                let key = keyStart..<(pos - 1)
                var i = base
                while i < keyCount {
                    if keys[i].count == key.count && same(keys[i], key) { return false }
                    i += 1
                }
                guard keyCount - base < JSONScanner.maxKeysPerObject, keyCount < keys.count else { return false }
                keys[keyCount] = key
                keyCount += 1
                skipWhitespace()
                guard pos < buf.count, buf[pos] == UInt8(ascii: ":") else { return false }
                pos += 1
                skipWhitespace()
                let valueStart = pos
                if depth == 1, let nestedKey, pos < buf.count, buf[pos] == UInt8(ascii: "{"), JSONScanner.equals(key, nestedKey, in: buf) {
                    guard object(depth: depth + 1, collect: .nested) else { return false }
                } else if collect == .nested, let known, isKnown(known) {
                    pos += known.count
                } else {
                    guard value(depth: depth) else { return false }
                }
                switch collect {
                case .none: break
                case .top:
                    top[topCount] = Member(key: key, value: valueStart..<pos)
                    topCount += 1
                case .nested:
                    inner[innerCount] = Member(key: key, value: valueStart..<pos)
                    innerCount += 1
                }
                skipWhitespace()
                guard pos < buf.count else { return false }
                let c = buf[pos]
                pos += 1
                if c == UInt8(ascii: ",") { continue }
                return c == UInt8(ascii: "}")
            }
        }

        /// Whether the bytes at `pos` begin with `known`.
        func isKnown(_ known: UnsafeRawBufferPointer) -> Bool {
            buf.count - pos >= known.count && buf[pos] == known[0] && memcmp(buf.baseAddress! + pos, known.baseAddress!, known.count) == 0
        }

        func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
            var i = 0
            while i < a.count {
                if buf[a.lowerBound + i] != buf[b.lowerBound + i] { return false }
                i += 1
            }
            return true
        }

        mutating func array(depth: Int) -> Bool {
            guard depth <= maxDepth else { return false }
            pos += 1
            skipWhitespace()
            if pos < buf.count && buf[pos] == UInt8(ascii: "]") {
                pos += 1
                return true
            }
            while true {
                skipWhitespace()
                guard value(depth: depth) else { return false }
                skipWhitespace()
                guard pos < buf.count else { return false }
                let c = buf[pos]
                pos += 1
                if c == UInt8(ascii: ",") { continue }
                return c == UInt8(ascii: "]")
            }
        }

        /// Integers and decimals as the parser reads them; no exponent, at most 18 digits.
        mutating func number() -> Bool {
            if buf[pos] == UInt8(ascii: "-") { pos += 1 }
            var digits = 0
            guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else { return false }
            if buf[pos] == 0x30 {
                pos += 1
                digits = 1
                if pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { return false }
            } else {
                while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { pos += 1; digits += 1 }
            }
            if pos < buf.count && buf[pos] == UInt8(ascii: ".") {
                pos += 1
                let start = pos
                while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { pos += 1; digits += 1 }
                if pos == start { return false }
            }
            if pos < buf.count && (buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E")) { return false }
            return digits <= 18
        }

        /// A string; keys must be plain printable ASCII without escapes.
        mutating func string(asKey: Bool) -> Bool {
            pos += 1
            while pos < buf.count {
                pos = SWAR.skipPlainASCII(buf, from: pos)
                guard pos < buf.count else { break }
                let c = buf[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    return true
                }
                if c < 0x20 { return false }
                if c == UInt8(ascii: "\\") {
                    if asKey || !escape() { return false }
                } else if c >= 0x80 {
                    if asKey { return false }
                    guard let n = utf8Sequence() else { return false }
                    pos += n
                } else {
                    pos += 1
                }
            }
            return false
        }

        mutating func escape() -> Bool {
            guard pos + 1 < buf.count else { return false }
            let e = buf[pos + 1]
            pos += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return true
            case UInt8(ascii: "u"):
                guard let scalar = hex4() else { return false }
                if scalar >= 0xDC00 && scalar <= 0xDFFF { return false }
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u") else { return false }
                    pos += 2
                    guard let low = hex4(), low >= 0xDC00 && low <= 0xDFFF else { return false }
                }
                return true
            default:
                return false
            }
        }

        mutating func hex4() -> UInt32? {
            guard pos + 4 <= buf.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = buf[pos]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
                pos += 1
            }
            return v
        }

        /// The length of the well-formed multi-byte UTF-8 sequence at `pos` (RFC 3629).
        func utf8Sequence() -> Int? {
            if case .valid(let length) = UTF8Sequence.check(buf, at: pos) { return length }
            return nil
        }
    }
}
