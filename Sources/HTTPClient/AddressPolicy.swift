/// Which network addresses the client may connect to — the guard against server-side request
/// forgery when URLs come from configuration that less trusted people can write (an upstream
/// server's URL): with `.publicOnly`, loopback, private (RFC 1918, unique-local), link-local
/// (including the 169.254.169.254 cloud metadata service), carrier-grade NAT, unspecified,
/// multicast and broadcast addresses are refused.
///
/// The check runs on the addresses a host name resolves to, right before connecting, so a name
/// that resolves to a private address (DNS rebinding) is refused like a private literal. For
/// `https://` (URLSession resolves on its own) the name is resolved and checked just before the
/// request; a DNS answer that changes in between is not caught there.
public enum AddressPolicy: Sendable, Hashable {
    case any
    case publicOnly

    /// Whether `address` (an IPv4 dotted quad or an IPv6 literal) may be connected to.
    public func allows(_ address: String) -> Bool {
        switch self {
        case .any: return true
        case .publicOnly: return !Self.isNonPublic(address)
        }
    }

    static func isNonPublic(_ address: String) -> Bool {
        if address.contains(":") { return isNonPublicV6(address) }
        guard let v4 = ipv4(address) else { return true }  // unparseable: refuse
        return isNonPublicV4(v4)
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func isNonPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true                     // this network, private, loopback
        case (100, 64...127): return true                               // carrier-grade NAT
        case (169, 254): return true                                    // link-local, cloud metadata
        case (172, 16...31): return true                                // private
        case (192, 168): return true                                    // private
        case (192, 0) where b[2] == 0 || b[2] == 2: return true         // IETF protocol assignments, TEST-NET-1
        case (198, 18...19): return true                                // benchmarking
        case (224...255, _): return true                                // multicast, reserved, broadcast
        default: return false
        }
    }

    static func isNonPublicV6(_ text: String) -> Bool {
        let address = text.split(separator: "%").first.map(String.init) ?? text  // drop a zone
        guard let groups = ipv6Groups(address) else { return true }
        if groups.allSatisfy({ $0 == 0 }) { return true }                           // ::
        if groups[0..<7].allSatisfy({ $0 == 0 }) && groups[7] == 1 { return true }  // ::1
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {           // ::ffff:a.b.c.d
            return isNonPublicV4([UInt8(groups[6] >> 8), UInt8(groups[6] & 0xFF), UInt8(groups[7] >> 8), UInt8(groups[7] & 0xFF)])
        }
        if groups[0] & 0xFE00 == 0xFC00 { return true }  // unique local fc00::/7
        if groups[0] & 0xFFC0 == 0xFE80 { return true }  // link-local fe80::/10
        if groups[0] & 0xFF00 == 0xFF00 { return true }  // multicast
        return false
    }

    /// The eight 16-bit groups of an IPv6 literal (with `::` and a trailing dotted quad).
    static func ipv6Groups(_ text: String) -> [UInt16]? {
        var head = text
        var tailV4: [UInt16] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = ipv4(String(text[text.index(after: lastColon)...])) else { return nil }
            tailV4 = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
            head = String(text[...lastColon])
            if head.hasSuffix(":") && !head.hasSuffix("::") { head.removeLast() }
        }
        func parse(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        let pieces = head.components(separatedBy: "::")
        let total = 8 - tailV4.count
        if pieces.count == 1 {
            guard let groups = parse(Substring(pieces[0])), groups.count == total else { return nil }
            return groups + tailV4
        }
        guard pieces.count == 2, let left = parse(Substring(pieces[0])), let right = parse(Substring(pieces[1])),
              left.count + right.count < total else { return nil }
        return left + [UInt16](repeating: 0, count: total - left.count - right.count) + right + tailV4
    }
}
