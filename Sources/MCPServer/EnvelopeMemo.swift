import JSON
import JSONRPC

/// What a connection's 2026 client repeats on every request — the same `params._meta` envelope,
/// byte for byte — kept so that it is parsed and validated once rather than per request.
///
/// The parser hands out the object it remembered whenever a message carries the same `_meta`
/// bytes (`JSONParser.MemberMemo`); the envelope read from that very object is then the same
/// too, so it is kept beside it. Anything else is read as usual. Used on the connection's
/// reader thread only (the connection holds it under a lock all the same).
struct EnvelopeMemo: Sendable {
    /// Given to the parser for every message of the connection.
    var parser: JSONParser.MemberMemo?
    private var meta: JSONObject?
    private var envelope: Result<ModernEnvelope, JSONRPCError>?

    init(limits: JSONParser.Limits) {
        parser = JSONParser.MemberMemo(name: "_meta", limits: limits)
    }

    /// `ModernEnvelope.parse(params)` for params that carry a 2026 envelope
    /// (`ModernEnvelope.isEnveloped`); nil for params that do not.
    mutating func envelope(of params: JSONValue?) -> Result<ModernEnvelope, JSONRPCError>? {
        guard case .object(let meta)? = params?["_meta"] else { return nil }
        if let envelope, let last = self.meta {
            if last.sharesStorage(with: meta) { return envelope }
            // A client that sends its own progress token with every request (our gateway does,
            // to see its upstream's progress) repeats everything else: the parser then hands
            // out the remembered members one by one, and only the token is read anew.
            if case .success(var known) = envelope, Self.differsAtMostInToken(meta, last) {
                let token = meta[ModernEnvelope.progressTokenKey]
                if token == nil || RequestID(token!) != nil {
                    known.progressToken = token
                    return .success(known)
                }
            }
        }
        guard meta[ModernEnvelope.protocolVersionKey] != nil else { return nil }
        let read = ModernEnvelope.parse(params)
        self.meta = meta
        self.envelope = read
        return read
    }

    /// True when `meta` has `last`'s keys in `last`'s order and the very same values, the
    /// progress token's aside: objects count only when they are the same storage (which the
    /// parser's member memo makes them) and arrays never, so this never compares trees. False
    /// says nothing.
    static func differsAtMostInToken(_ meta: JSONObject, _ last: JSONObject) -> Bool {
        guard meta.count == last.count else { return false }
        for i in meta.indices {
            let (key, value) = meta[i], (lastKey, lastValue) = last[i]
            guard key == lastKey else { return false }
            if key == ModernEnvelope.progressTokenKey { continue }
            // Strings by their bytes and numbers by their bits: `==` equates canonically
            // equivalent spellings and -0.0 with 0, which a fresh read would tell apart.
            switch (value, lastValue) {
            case (.object(let a), .object(let b)): guard a.sharesStorage(with: b) else { return false }
            case (.string(let a), .string(let b)): guard a.utf8.elementsEqual(b.utf8) else { return false }
            case (.double(let a), .double(let b)): guard a.bitPattern == b.bitPattern else { return false }
            case (.int(let a), .int(let b)): guard a == b else { return false }
            case (.bool(let a), .bool(let b)): guard a == b else { return false }
            case (.null, .null): break
            default: return false
            }
        }
        return true
    }
}
