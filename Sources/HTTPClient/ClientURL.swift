/// An absolute `http`/`https` URL taken apart the way an HTTP/1.1 client needs it.
///
/// Why our own parser instead of Foundation's `URL`: the socket path must not depend on
/// Foundation, and we need exact control over what reaches the wire: the request-target is
/// visible ASCII only (spaces and non-ASCII are percent-encoded, control bytes refused, so a URL
/// can never inject a header), the host is a DNS name, IPv4 literal or bracketed IPv6 literal
/// (with an optional `%25zone`), and user information is refused rather than silently sent.
/// Errors never repeat the URL (its query may carry a token).
struct ClientURL: Sendable, Equatable {
    enum Scheme: String, Sendable { case http, https }

    let scheme: Scheme
    /// Lowercased name, IPv4 literal, or IPv6 literal without brackets (zone as `%eth0`).
    let host: String
    let port: Int
    /// origin-form request-target: path (at least `/`) plus `?query` when present.
    let target: String

    var origin: Origin { Origin(scheme: scheme, host: host, port: port) }
    var isIPv6Literal: Bool { host.contains(":") }
    var isDefaultPort: Bool { port == (scheme == .http ? 80 : 443) }

    /// The `Host` field value: the host (bracketed when IPv6, zone removed) plus `:port` when
    /// it is not the scheme's default.
    var hostField: String {
        var h = host
        if isIPv6Literal {
            if let pct = h.firstIndex(of: "%") { h = String(h[..<pct]) }
            h = "[\(h)]"
        }
        return isDefaultPort ? h : "\(h):\(port)"
    }

    init(parsing text: String) throws(HTTPClientError) {
        let bytes = Array(text.utf8)
        guard let sep = Self.find(bytes, Array("://".utf8)) else { throw .invalidURL("missing scheme") }
        let schemeText = String(decoding: bytes[0..<sep], as: UTF8.self).lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            guard schemeText.utf8.allSatisfy({ HTTPURLBytes.isSchemeByte($0) }), !schemeText.isEmpty else {
                throw .invalidURL("malformed scheme")
            }
            throw .unsupportedScheme(schemeText)
        }
        var i = sep + 3
        let authorityStart = i
        while i < bytes.count, bytes[i] != 0x2F, bytes[i] != 0x3F, bytes[i] != 0x23 { i += 1 }
        let authority = bytes[authorityStart..<i]
        guard !authority.contains(0x40) else { throw .invalidURL("user information (user:password@) is not supported") }
        guard !authority.isEmpty else { throw .invalidURL("missing host") }

        var host: String
        var portBytes: ArraySlice<UInt8> = []
        if authority.first == 0x5B {  // [
            guard let close = authority.firstIndex(of: 0x5D) else { throw .invalidURL("unterminated IPv6 literal") }
            let literal = authority[(authority.startIndex + 1)..<close]
            host = try Self.ipv6(literal)
            let rest = authority[(close + 1)...]
            if let first = rest.first {
                guard first == 0x3A else { throw .invalidURL("unexpected bytes after IPv6 literal") }
                portBytes = rest.dropFirst()
            }
        } else {
            let colon = authority.firstIndex(of: 0x3A)
            let name = authority[authority.startIndex..<(colon ?? authority.endIndex)]
            guard !name.isEmpty else { throw .invalidURL("missing host") }
            guard name.allSatisfy(HTTPURLBytes.isHostNameByte) else { throw .invalidURL("invalid character in host") }
            host = String(decoding: name, as: UTF8.self).lowercased()
            if let colon { portBytes = authority[(colon + 1)...] }
        }
        var port = scheme == .http ? 80 : 443
        if !portBytes.isEmpty {
            guard portBytes.count <= 5, portBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let p = Int(String(decoding: portBytes, as: UTF8.self)), (1...65535).contains(p)
            else { throw .invalidURL("invalid port") }
            port = p
        }

        // Path and query up to the fragment.
        var target: [UInt8] = []
        if i >= bytes.count || bytes[i] != 0x2F { target.append(0x2F) }
        while i < bytes.count, bytes[i] != 0x23 {
            let b = bytes[i]
            if b < 0x20 || b == 0x7F { throw .invalidURL("control character in path or query") }
            if b == 0x20 || b >= 0x80 || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x5C || b == 0x5E || b == 0x60
                || b == 0x7B || b == 0x7C || b == 0x7D
            {
                target.append(0x25)
                target.append(HTTPURLBytes.hexDigit(b >> 4))
                target.append(HTTPURLBytes.hexDigit(b & 0x0F))
            } else {
                target.append(b)
            }
            i += 1
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.target = String(decoding: target, as: UTF8.self)
    }

    /// Validates an IPv6 literal's bytes (hex digits, `:` and `.`, optional `%25zone`) and
    /// returns it with the zone separator decoded (`fe80::1%eth0`).
    private static func ipv6(_ literal: ArraySlice<UInt8>) throws(HTTPClientError) -> String {
        var address = literal
        var zone: ArraySlice<UInt8> = []
        if let pct = literal.firstIndex(of: 0x25) {
            address = literal[literal.startIndex..<pct]
            let afterPercent = literal[(pct + 1)...]
            guard afterPercent.starts(with: [0x32, 0x35]), afterPercent.count > 2 else {
                throw .invalidURL("invalid IPv6 zone (write it as %25zone)")
            }
            zone = afterPercent.dropFirst(2)
            guard zone.allSatisfy(HTTPURLBytes.isHostNameByte) else { throw .invalidURL("invalid IPv6 zone") }
        }
        guard address.contains(0x3A),
            address.allSatisfy({ HTTPURLBytes.isHexByte($0) || $0 == 0x3A || $0 == 0x2E })
        else { throw .invalidURL("invalid IPv6 literal") }
        let text = String(decoding: address, as: UTF8.self).lowercased()
        return zone.isEmpty ? text : text + "%" + String(decoding: zone, as: UTF8.self)
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}

/// Byte classes for URL parsing.
private enum HTTPURLBytes {
    static func isSchemeByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D
            || b == 0x2E
    }

    /// Letters, digits, `-`, `.`, `_`, `~`: DNS names and IPv4 literals (no percent-encoding).
    static func isHostNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E
            || b == 0x5F || b == 0x7E
    }

    static func isHexByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? 0x30 + v : 0x41 + v - 10
    }
}
