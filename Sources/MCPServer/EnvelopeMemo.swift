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
        if let envelope, let last = self.meta, last.sharesStorage(with: meta) { return envelope }
        guard meta[ModernEnvelope.protocolVersionKey] != nil else { return nil }
        let read = ModernEnvelope.parse(params)
        self.meta = meta
        self.envelope = read
        return read
    }
}
