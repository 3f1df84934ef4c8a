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
    package static func accepts(_ acceptValues: [String], _ mediaType: String) -> Bool {
        let slash = mediaType.firstIndex(of: "/") ?? mediaType.endIndex
        let typeWildcard = String(mediaType[..<slash]) + "/*"
        for value in acceptValues {
            for element in listElements(value) {
                let range = self.mediaType(element)
                guard equalsIgnoringCase(range, mediaType) || equalsIgnoringCase(range, typeWildcard) || range == "*/*" else { continue }
                if !refusesByQuality(element) { return true }
            }
        }
        return false
    }

    /// True when an Accept element carries `q=0` (or `0.0`, `0.000`).
    private static func refusesByQuality(_ element: Substring) -> Bool {
        for parameter in element.split(separator: ";").dropFirst() {
            let p = trimmed(parameter)
            guard p.count >= 2, lower(p.utf8.first!) == 0x71, p.dropFirst().first == "=" else { continue }
            let q = p.dropFirst(2)
            return q.first == "0" && q.dropFirst().allSatisfy { $0 == "." || $0 == "0" }
        }
        return false
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
