/// Byte classes from RFC 9110/9112, shared by the request parser, `HTTPHeaders` validation and
/// (through `package` access) the HTTP client's request encoder and response parser.
///
/// Why one place: the parsers (what we accept) and the header API (what we emit) must agree on
/// what a token and a field value are, or header injection and smuggling checks drift apart.
package enum HTTPSyntax {
    /// `tchar` (RFC 9110 §5.6.2): the bytes allowed in methods and field names.
    @inline(__always)
    package static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    /// `field-vchar / SP / HTAB` (RFC 9110 §5.5): visible ASCII, obs-text (0x80–0xFF), space and tab.
    /// CR, LF, NUL, the other controls and DEL are not allowed.
    @inline(__always)
    package static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7F)
    }

    /// Bytes allowed in a request-target: visible ASCII only (no space, no controls, no obs-text).
    @inline(__always)
    package static func isTargetByte(_ b: UInt8) -> Bool {
        b >= 0x21 && b <= 0x7E
    }

    package static func isToken(_ s: String) -> Bool {
        var any = false
        for b in s.utf8 {
            guard isTokenByte(b) else { return false }
            any = true
        }
        return any
    }

    package static func isFieldValue(_ s: String) -> Bool {
        s.utf8.allSatisfy(isFieldValueByte)
    }

    @inline(__always)
    package static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }

    /// ASCII case-insensitive equality without allocating.
    /// (Byte loops over contiguous UTF-8: `zip` over two `UTF8View`s was 3 % of a request's CPU
    /// at 64 connections, header lookups being the heaviest user.)
    package static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where lower(x[i]) != lower(y[i]) { return false }
                return true
            }
        }
    }

    /// ASCII case-insensitive equality of a substring and a string.
    package static func equalsIgnoringCase(_ a: Substring, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var i = a.utf8.startIndex
        for y in b.utf8 {
            if lower(a.utf8[i]) != lower(y) { return false }
            i = a.utf8.index(after: i)
        }
        return true
    }

    /// The media type of a Content-Type or Accept element: what precedes its parameters, trimmed.
    package static func mediaType(_ element: Substring) -> Substring {
        trimmed(element.prefix { $0 != ";" })
    }

    /// Whether `contentType` names `mediaType` (lowercase `type/subtype`), parameters ignored.
    package static func isMediaType(_ contentType: String?, _ mediaType: String) -> Bool {
        guard let contentType else { return false }
        return equalsIgnoringCase(Self.mediaType(Substring(contentType)), mediaType)
    }

    /// Whether the Accept field values admit `mediaType` (lowercase `type/subtype`): an element
    /// naming it, its `type/*` or `*/*` — unless that element says `q=0` (RFC 9110 §12.5.1).
    /// Runs on every MCP POST, so it walks the bytes: the first version, on `Character`s with
    /// `split`, cost 3.5 µs a request (14 % of the server's CPU at 64 connections).
    package static func accepts(_ acceptValues: [String], _ mediaType: String) -> Bool {
        var wanted = mediaType
        return wanted.withUTF8 { wanted in
            let typeLength = wanted.firstIndex(of: UInt8(ascii: "/")) ?? wanted.count
            for var value in acceptValues {
                if value.withUTF8({ acceptsElement(in: $0, wanted, typeLength: typeLength) }) { return true }
            }
            return false
        }
    }

    /// `accepts` over one field value: each comma-separated element's media range against
    /// `wanted`, `type/*` (the first `typeLength` bytes of `wanted` plus `/*`) and `*/*`.
    private static func acceptsElement(in value: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>, typeLength: Int) -> Bool {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
            var rangeEnd = start
            while rangeEnd < end && value[rangeEnd] != UInt8(ascii: ";") { rangeEnd += 1 }
            let range = trimmed(value, start..<rangeEnd)
            if matchesMediaRange(value, range, wanted, typeLength: typeLength) && !refusesByQuality(value, rangeEnd..<end) { return true }
            start = end + 1
        }
        return false
    }

    private static func matchesMediaRange(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ wanted: UnsafeBufferPointer<UInt8>, typeLength: Int) -> Bool {
        if range.count == 3 && value[range.lowerBound] == UInt8(ascii: "*") && value[range.lowerBound + 1] == UInt8(ascii: "/")
            && value[range.lowerBound + 2] == UInt8(ascii: "*") { return true }
        if range.count == wanted.count {
            var same = true
            for i in 0..<wanted.count where lower(value[range.lowerBound + i]) != lower(wanted[i]) { same = false; break }
            if same { return true }
        }
        // `type/*`
        guard range.count == typeLength + 2, value[range.upperBound - 2] == UInt8(ascii: "/"), value[range.upperBound - 1] == UInt8(ascii: "*") else { return false }
        for i in 0..<typeLength where lower(value[range.lowerBound + i]) != lower(wanted[i]) { return false }
        return true
    }

    /// True when the parameters in `parameters` (`;a=b;q=0`) carry `q=0` (or `0.0`, `0.000`);
    /// only the first `q` parameter counts.
    private static func refusesByQuality(_ value: UnsafeBufferPointer<UInt8>, _ parameters: Range<Int>) -> Bool {
        var start = parameters.lowerBound
        while start < parameters.upperBound {
            start += 1  // the `;`
            var end = start
            while end < parameters.upperBound && value[end] != UInt8(ascii: ";") { end += 1 }
            let p = trimmed(value, start..<end)
            start = end
            guard p.count >= 2, lower(value[p.lowerBound]) == UInt8(ascii: "q"), value[p.lowerBound + 1] == UInt8(ascii: "=") else { continue }
            let q = (p.lowerBound + 2)..<p.upperBound
            guard !q.isEmpty, value[q.lowerBound] == UInt8(ascii: "0") else { return false }
            return value[q].dropFirst().allSatisfy { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "0") }
        }
        return false
    }

    /// `range` without leading and trailing spaces and tabs (OWS).
    private static func trimmed(_ value: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi && (value[lo] == 0x20 || value[lo] == 0x09) { lo += 1 }
        while hi > lo && (value[hi - 1] == 0x20 || value[hi - 1] == 0x09) { hi -= 1 }
        return lo..<hi
    }

    /// ASCII case-insensitive comparison of raw bytes against a lowercase ASCII literal.
    package static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let p = lowercase.utf8Start
        for i in 0..<bytes.count where lower(bytes[i]) != p[i] { return false }
        return true
    }

    /// Splits a comma-separated list (RFC 9110 §5.6.1), trimming optional whitespace, dropping empties.
    package static func listElements(_ value: String) -> [Substring] {
        value.split(separator: ",").compactMap { part -> Substring? in
            let s = trimmed(part)
            return s.isEmpty ? nil : s
        }
    }

    /// Drops leading and trailing spaces and tabs (OWS).
    package static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }

    /// True if the comma-separated `value` contains `token`, compared case-insensitively.
    package static func listContains(_ value: String, _ token: String) -> Bool {
        listElements(value).contains { equalsIgnoringCase(String($0), token) }
    }
}
