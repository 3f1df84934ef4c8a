/// Scheme, host and port of an `http`/`https` URL, normalized for comparison (case-insensitive
/// scheme and host, the scheme's default port made explicit, user information ignored).
struct URLOrigin: Sendable, Equatable, CustomStringConvertible {
    let scheme: String
    let host: String
    let port: Int

    init?(_ reference: URIReference) {
        guard let scheme = reference.scheme?.lowercased(), scheme == "http" || scheme == "https",
            var authority = reference.authority.map({ Substring($0) })
        else { return nil }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var portText: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
            authority = authority[...close]
        } else if let colon = authority.lastIndex(of: ":") {
            portText = authority[authority.index(after: colon)...]
            authority = authority[..<colon]
        }
        guard !authority.isEmpty else { return nil }
        var port = scheme == "http" ? 80 : 443
        if !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        }
        self.scheme = scheme
        self.host = authority.lowercased()
        self.port = port
    }

    var description: String { "\(scheme)://\(host):\(port)" }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
