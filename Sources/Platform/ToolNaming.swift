// ToolNaming: the names under which a gateway exposes upstream tools (and prompts) to a client.
//
// Several upstreams may each have a `search` tool, and the strictest clients accept only
// `^[A-Za-z0-9_-]{1,64}$`, so every exposed name is `<server>__<tool>` — unless the binding gives
// the tool an alias. The name depends only on (server id, tool name), never on which other
// upstreams are connected, so it stays stable when upstreams join or leave. It is also injective:
// server ids may not contain `__` (enforced when a server is created), so the server part is
// everything before the first `__`; a tool name that had to be rewritten (characters outside the
// safe set, or too long) gets a short hash of the original appended, so `a.b` and `a_b` never
// collide. Aliases may not contain `__`, so they cannot collide with a generated name, and the
// agent spec rejects duplicate aliases when it is written, not at call time.

import Hashing

/// Exposed tool names for aggregated upstreams.
public enum ToolNaming {
    /// Separates the server id from the tool name in a generated name.
    public static let separator = "__"
    /// The longest name the strictest clients accept.
    public static let maxLength = 64
    /// `_` and 8 hex digits: what a rewritten name ends with.
    static let digestSuffixLength = 9
    /// The longest server id whose `<server>__` survives in every generated name, rewritten ones
    /// included (their prefix is cut to make room for the digest): longer ids would lose the
    /// separator, and their tools could be listed but never routed back. Enforced when a server
    /// is created (`UpstreamServer.idProblem`).
    public static let maxServerIDLength = maxLength - digestSuffixLength - separator.utf8.count

    /// Whether `name` is acceptable to every client: 1–64 of `A–Z a–z 0–9 _ -`.
    public static func isExposedName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...maxLength).contains(bytes.count) else { return false }
        return bytes.allSatisfy(isSafe)
    }

    /// The name under which `tool` of `server` is exposed (`alias` wins when given).
    public static func exposedName(server: String, tool: String, alias: String? = nil) -> String {
        if let alias { return alias }
        let plain = server + separator + tool
        if isExposedName(plain) { return plain }
        // Rewrite: unsafe bytes become `_`, then keep a prefix and add 8 hex digits of the
        // original (server, tool) so distinct tools stay distinct.
        let digest = Hex.encode(Array(SHA256.hash(Array(server.utf8) + [0] + Array(tool.utf8)).prefix(4)))
        let safeTool = String(decoding: tool.utf8.map { isSafe($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
        let suffix = "_" + digest
        let room = maxLength - digestSuffixLength
        let base = String((server + separator + safeTool).utf8.prefix(room))!
        return base + suffix
    }

    /// The server part of a generated name (everything before the first `__`), or nil.
    public static func serverPart(of name: String) -> String? {
        // A byte scan: this runs on every gateway call, and `range(of:)` costs far more.
        let bytes = name.utf8
        var previousWasUnderscore = false
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if bytes[index] == UInt8(ascii: "_") {
                if previousWasUnderscore {
                    let end = bytes.index(before: index)
                    return end == bytes.startIndex ? nil : String(name[..<end])
                }
                previousWasUnderscore = true
            } else {
                previousWasUnderscore = false
            }
            index = bytes.index(after: index)
        }
        return nil
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
    }
}
