import Foundation

/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Strict means: no comments, no trailing commas, no NaN/Infinity, no leading zeros or `+`, no
/// control characters or invalid UTF-8 in strings, no lone surrogate escapes, no duplicate keys
/// (two parsers disagreeing on which duplicate wins is a known smuggling vector), nothing after
/// the value but whitespace. Depth and size limits are explicit so hostile input fails fast with
/// a clear error instead of exhausting the stack or memory.
public struct JSONParser: Sendable {
    public struct Limits: Sendable {
        /// Maximum nesting of arrays and objects.
        public var maxDepth: Int
        /// Maximum input size in bytes.
        public var maxBytes: Int

        public init(maxDepth: Int = 128, maxBytes: Int = 64 << 20) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
        }

        public static let `default` = Limits()
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = .default) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONError) in try parse(buffer: buf, limits: limits) }
    }

    public static func parse(_ string: String, limits: Limits = .default) throws(JSONError) -> JSONValue {
        try parse(Array(string.utf8), limits: limits)
    }

    public static func parse(_ data: Data, limits: Limits = .default) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = data.withUnsafeBytes { raw in
            Result { () throws(JSONError) in try parse(buffer: raw.bindMemory(to: UInt8.self), limits: limits) }
        }
        return try result.get()
    }

    public static func parse(buffer: UnsafeBufferPointer<UInt8>, limits: Limits = .default) throws(JSONError) -> JSONValue {
        var none: MemberMemo?
        return try parse(buffer: buffer, limits: limits, memo: &none)
    }

    /// `parse(buffer:limits:)` for a stream of similar texts: `memo` remembers the object last
    /// found under one member name, and a later text whose member of that name holds the very
    /// same bytes at the same depth gets the remembered value instead of a new tree (see
    /// `MemberMemo`). The result is the same value either way.
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, limits: Limits = .default, memo: inout MemberMemo?) throws(JSONError) -> JSONValue {
        guard buffer.count <= limits.maxBytes else {
            throw JSONError(.tooLarge, at: 0, "JSON text of \(buffer.count) bytes exceeds the limit of \(limits.maxBytes) bytes")
        }
        var reader = Reader(buffer: buffer, maxDepth: limits.maxDepth)
        if let m = memo, m.maxDepth == limits.maxDepth, !m.name.isEmpty {
            reader.memoNameLength = m.name.count
            swap(&reader.memo, &memo)
        }
        defer { if reader.memo != nil { swap(&reader.memo, &memo) } }
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.pos != buffer.count {
            throw JSONError(.trailingData, at: reader.pos, "unexpected data after the JSON value")
        }
        return value
    }

    /// The object a stream of texts keeps repeating under one member name (a 2026 client's
    /// `params._meta` envelope is byte-for-byte the same on every request), with its bytes; and,
    /// for a stream whose object repeats all but some members (our gateway's upstream requests
    /// carry a `progressToken` of their own in an otherwise constant envelope), its members.
    ///
    /// Reuse is exact: an object ends at its own closing brace, so a value that begins with the
    /// remembered bytes is those bytes; at the same depth under the same limits the parser
    /// accepts them again and builds an equal value, so handing out the remembered one changes
    /// nothing but the work done. Members reuse the same way, one at a time: a key whose raw
    /// bytes (between its quotes) are a remembered key's gets that key's string, and an object or
    /// array value whose bytes begin with the remembered value's bytes gets that value — both
    /// end at their own delimiter too. Everything around them (commas, duplicate keys, the rest
    /// of the text) is checked as usual. Objects longer than `maxBytes` are not remembered.
    public struct MemberMemo: Sendable {
        public static let maxBytes = 2048
        /// Members remembered of one object; wider objects are parsed as usual past this many.
        static let maxMembers = 16

        /// One member of the remembered object.
        struct Member: Sendable {
            /// The key's bytes between its quotes, as written.
            var rawKey: [UInt8]
            var key: String
            /// The value's bytes, when it is an object or an array (empty otherwise: strings,
            /// numbers and literals are parsed as cheaply as they are compared).
            var valueBytes: [UInt8]
            var value: JSONValue
        }

        let name: [UInt8]
        fileprivate(set) var maxDepth: Int
        fileprivate(set) var depth = -1
        fileprivate(set) var bytes: [UInt8] = []
        /// The remembered object; nil until one was seen.
        public fileprivate(set) var value: JSONValue?
        /// The members of the object last read member by member, at `depth`.
        fileprivate(set) var members: [Member] = []
        /// Objects in a row that did not repeat `bytes`: past two, `bytes` is renewed only now and
        /// then (a stream whose object never repeats would otherwise copy it every time).
        fileprivate(set) var misses = 0

        /// Remembers objects found under member `name`, for texts parsed with `limits`.
        public init(name: String, limits: Limits = .default) {
            self.name = Array(name.utf8)
            self.maxDepth = limits.maxDepth
        }
    }
}

private struct Reader {
    let buf: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var pos = 0
    var memo: JSONParser.MemberMemo?
    /// Length of the memo's member name; -1 without a memo (checked before anything else).
    var memoNameLength = -1

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buf = buffer
        self.maxDepth = maxDepth
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < buf.count {
            let c = buf[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input, expected a value") }
        switch buf[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw JSONError(.unexpectedByte, at: pos, "unexpected \(describe(buf[pos])), expected a JSON value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let start = word.utf8Start
        guard pos + n <= buf.count else {
            throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input inside a literal")
        }
        for i in 0..<n where buf[pos + i] != start[i] {
            throw JSONError(.unexpectedByte, at: pos + i, "invalid literal, expected '\(word)'")
        }
        pos += n
    }

    /// - Parameter recall: the memo's members, when this is the memo's object read member by
    ///   member (see `MemberMemo`); `changed` then tells whether they no longer describe it.
    @inline(__always)
    mutating func parseObject(depth: Int, recall: UnsafeBufferPointer<JSONParser.MemberMemo.Member>? = nil) throws(JSONError) -> JSONValue {
        var changed = false
        return try parseObject(depth: depth, recall: recall, changed: &changed)
    }

    mutating func parseObject(depth: Int, recall: UnsafeBufferPointer<JSONParser.MemberMemo.Member>?, changed: inout Bool) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw JSONError(.tooDeep, at: pos, "JSON nesting exceeds the limit of \(maxDepth) levels") }
        pos += 1
        var object = JSONObject()
        skipWhitespace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(object)
        }
        // Room for the usual MCP object (a few members) up front: growing both member arrays
        // from empty cost two reallocations each per object.
        object.reserveCapacity(4)
        while true {
            skipWhitespace()
            guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input inside an object") }
            guard buf[pos] == UInt8(ascii: "\"") else {
                throw JSONError(.unexpectedByte, at: pos, "unexpected \(describe(buf[pos])), expected a string key")
            }
            let keyOffset = pos
            var slot = -1
            let key: String
            if let recall {
                slot = Self.recalled(recall, at: pos, in: buf, hint: object.count)
                if slot >= 0 {
                    key = recall[slot].key
                    pos += recall[slot].rawKey.count + 2
                } else {
                    key = try parseString()
                }
                if slot != object.count { changed = true }
            } else {
                key = try parseString()
            }
            let remembered = pos - 2 - keyOffset == memoNameLength && isMemoName(from: keyOffset + 1, to: pos - 1)
            if object.contains(key) {
                throw JSONError(.duplicateKey, at: keyOffset, "duplicate object key \"\(key)\"")
            }
            skipWhitespace()
            guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input, expected ':'") }
            guard buf[pos] == UInt8(ascii: ":") else {
                throw JSONError(.unexpectedByte, at: pos, "unexpected \(describe(buf[pos])), expected ':'")
            }
            pos += 1
            skipWhitespace()
            let value: JSONValue
            if slot >= 0, !recall![slot].valueBytes.isEmpty, Self.begins(buf, at: pos, with: recall![slot].valueBytes) {
                pos += recall![slot].valueBytes.count
                value = recall![slot].value
            } else {
                value = remembered ? try parseRemembered(depth: depth) : try parseValue(depth: depth)
                if recall != nil, buf[pos - 1] == UInt8(ascii: "}") || buf[pos - 1] == UInt8(ascii: "]") { changed = true }
            }
            object.appendUnchecked(key, value)
            skipWhitespace()
            guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input inside an object") }
            let c = buf[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") {
                if let recall, recall.count != object.count { changed = true }
                return .object(object)
            }
            throw JSONError(.unexpectedByte, at: pos - 1, "unexpected \(describe(c)), expected ',' or '}'")
        }
    }

    /// The index of the remembered member whose raw key is the string at `at` (the member at
    /// `hint` is tried first: members usually come in the same order), or -1. A remembered raw
    /// key is a whole, valid string's contents, so the quote that follows it closes it.
    static func recalled(_ members: UnsafeBufferPointer<JSONParser.MemberMemo.Member>, at start: Int, in buf: UnsafeBufferPointer<UInt8>, hint: Int) -> Int {
        func matches(_ i: Int) -> Bool {
            let raw = members[i].rawKey
            guard start + raw.count + 1 < buf.count, buf[start + raw.count + 1] == UInt8(ascii: "\"") else { return false }
            return begins(buf, at: start + 1, with: raw)
        }
        if hint < members.count, matches(hint) { return hint }
        for i in members.indices where i != hint && matches(i) { return i }
        return -1
    }

    /// Whether `buf` holds `bytes` from `start` on.
    @inline(__always)
    static func begins(_ buf: UnsafeBufferPointer<UInt8>, at start: Int, with bytes: [UInt8]) -> Bool {
        buf.count - start >= bytes.count
            && bytes.withUnsafeBufferPointer { b in b.count == 0 || memcmp(b.baseAddress!, buf.baseAddress! + start, b.count) == 0 }
    }

    /// True when the raw key bytes `start..<end` are the memo's member name (an escaped spelling
    /// of the same name simply is not recognized, which only costs the reuse).
    func isMemoName(from start: Int, to end: Int) -> Bool {
        guard let name = memo?.name else { return false }
        return name.withUnsafeBufferPointer { n in memcmp(n.baseAddress!, buf.baseAddress! + start, n.count) == 0 }
    }

    /// The value of the memo's member: the remembered object when the same bytes follow at the
    /// same depth, otherwise parsed — an object member by member against the remembered members
    /// — and remembered when it is an object.
    mutating func parseRemembered(depth: Int) throws(JSONError) -> JSONValue {
        let start = pos
        guard let m = memo else { return try parseValue(depth: depth) }
        if let known = m.value, m.depth == depth, Self.begins(buf, at: start, with: m.bytes) {
            pos += m.bytes.count
            memo!.misses = 0
            return known
        }
        guard pos < buf.count, buf[pos] == UInt8(ascii: "{") else { return try parseValue(depth: depth) }
        // Inside, the memo's name is an ordinary key: one object is remembered at a time.
        let nameLength = memoNameLength
        memoNameLength = -1
        defer { memoNameLength = nameLength }
        var changed = false
        let recall = m.depth == depth ? m.members : []
        let value = try recall.withUnsafeBufferPointer { (members) throws(JSONError) in
            try parseObject(depth: depth + 1, recall: members, changed: &changed)
        }
        guard pos - start <= JSONParser.MemberMemo.maxBytes else { return value }
        let renew = m.depth != depth || m.misses < 2 || m.misses % 64 == 0
        memo!.misses += 1
        if renew {
            memo!.bytes = Array(buf[start..<pos])
            memo!.value = value
        }
        if changed || m.depth != depth { memo!.members = Self.members(of: value, at: start..<pos, in: buf) }
        memo!.depth = depth
        return value
    }

    /// The members of the object `value`, just parsed from `range`, as the memo keeps them.
    static func members(of value: JSONValue, at range: Range<Int>, in buf: UnsafeBufferPointer<UInt8>) -> [JSONParser.MemberMemo.Member] {
        guard case .object(let object) = value, object.count <= JSONParser.MemberMemo.maxMembers,
              let found = JSONScanner.members(of: range, in: buf), found.count == object.count else { return [] }
        return zip(found, object).map { member, parsed in
            let first = buf[member.value.lowerBound]
            let composite = first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
            return JSONParser.MemberMemo.Member(rawKey: Array(buf[member.key]), key: parsed.key,
                                                valueBytes: composite ? Array(buf[member.value]) : [], value: parsed.value)
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        if depth > maxDepth { throw JSONError(.tooDeep, at: pos, "JSON nesting exceeds the limit of \(maxDepth) levels") }
        pos += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if pos < buf.count && buf[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unexpected end of JSON input inside an array") }
            let c = buf[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return .array(array) }
            throw JSONError(.unexpectedByte, at: pos - 1, "unexpected \(describe(c)), expected ',' or ']'")
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = pos
        var negative = false
        if buf[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else {
            throw JSONError(.invalidNumber, at: pos, "invalid number: expected a digit")
        }
        var isInteger = true
        // Accumulate as a negative magnitude so Int64.min parses exactly.
        var magnitude: Int64 = 0
        var overflow = false
        if buf[pos] == 0x30 {
            pos += 1
            if pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                throw JSONError(.invalidNumber, at: pos, "invalid number: leading zeros are not allowed")
            }
        } else {
            while pos < buf.count {
                let d = buf[pos] &- 0x30
                if d > 9 { break }
                if !overflow {
                    let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.subtractingReportingOverflow(Int64(d))
                    if o1 || o2 { overflow = true } else { magnitude = m2 }
                }
                pos += 1
            }
        }
        if pos < buf.count && buf[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            let digitsStart = pos
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { pos += 1 }
            if pos == digitsStart { throw JSONError(.invalidNumber, at: pos, "invalid number: expected a digit after '.'") }
        }
        if pos < buf.count && (buf[pos] == UInt8(ascii: "e") || buf[pos] == UInt8(ascii: "E")) {
            isInteger = false
            pos += 1
            if pos < buf.count && (buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-")) { pos += 1 }
            let digitsStart = pos
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 { pos += 1 }
            if pos == digitsStart { throw JSONError(.invalidNumber, at: pos, "invalid number: expected a digit in the exponent") }
        }
        if isInteger && !overflow {
            if negative { return .int(magnitude) }
            if magnitude != Int64.min { return .int(-magnitude) }
        }
        return .double(try parseDouble(from: start, to: pos))
    }

    func parseDouble(from start: Int, to end: Int) throws(JSONError) -> Double {
        let length = end - start
        // The grammar was checked above, so strtod sees a well-formed literal. It needs a NUL
        // terminator, which our buffer does not have: copy into a small temporary.
        let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { tmp in
            for i in 0..<length { tmp[i] = CChar(bitPattern: buf[start + i]) }
            tmp[length] = 0
            return strtod(tmp.baseAddress!, nil)
        }
        guard value.isFinite else {
            throw JSONError(.invalidNumber, at: start, "number is out of the range of a 64-bit float")
        }
        return value
    }

    mutating func parseString() throws(JSONError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: ASCII with no escapes, which is nearly every key and most values.
        pos = SWAR.skipPlainASCII(buf, from: pos)
        while pos < buf.count {
            let c = buf[pos]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            pos += 1
        }
        return try parseStringSlow(start: start)
    }

    mutating func parseStringSlow(start: Int) throws(JSONError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(pos - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<pos]))
        while true {
            guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unterminated string") }
            let c = buf[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            } else if c == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
            } else if c < 0x20 {
                throw JSONError(.controlCharacterInString, at: pos, "control character 0x\(String(c, radix: 16)) must be escaped inside a string")
            } else if c < 0x80 {
                out.append(c)
                pos += 1
            } else {
                let n = try validateUTF8Sequence()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[pos..<(pos + n)]))
                pos += n
            }
        }
    }

    /// Checks one multi-byte UTF-8 sequence at `pos` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and returns its length.
    func validateUTF8Sequence() throws(JSONError) -> Int {
        switch UTF8Sequence.check(buf, at: pos) {
        case .valid(let length): return length
        case .badLeadByte: throw JSONError(.invalidUTF8, at: pos, "invalid UTF-8 lead byte 0x\(String(buf[pos], radix: 16))")
        case .truncated: throw JSONError(.invalidUTF8, at: pos, "truncated UTF-8 sequence")
        case .badContinuation(let offset): throw JSONError(.invalidUTF8, at: pos + offset, "invalid UTF-8 continuation byte")
        }
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let escapeStart = pos
        pos += 1
        guard pos < buf.count else { throw JSONError(.unexpectedEnd, at: pos, "unterminated escape sequence") }
        let e = buf[pos]
        pos += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4())
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard pos + 1 < buf.count, buf[pos] == UInt8(ascii: "\\"), buf[pos + 1] == UInt8(ascii: "u") else {
                    throw JSONError(.loneSurrogate, at: escapeStart, "lone high surrogate \\u\(String(scalar, radix: 16)) in string")
                }
                pos += 2
                let low = UInt32(try readHex4())
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw JSONError(.loneSurrogate, at: escapeStart, "high surrogate not followed by a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw JSONError(.loneSurrogate, at: escapeStart, "lone low surrogate \\u\(String(scalar, radix: 16)) in string")
            }
            appendUTF8(scalar, to: &out)
        default:
            throw JSONError(.invalidEscape, at: escapeStart, "invalid escape sequence '\\\(describe(e))'")
        }
    }

    mutating func readHex4() throws(JSONError) -> UInt16 {
        guard pos + 4 <= buf.count else { throw JSONError(.unexpectedEnd, at: pos, "truncated \\u escape") }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let c = buf[pos]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw JSONError(.invalidEscape, at: pos, "invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt16(d)
            pos += 1
        }
        return v
    }

    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
