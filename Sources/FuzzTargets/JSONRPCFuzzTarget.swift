import JSON
import JSONRPC
import MCP
import MCPServer

/// Fuzzes the JSON-RPC envelope classifier and the MCP `_meta` envelope validation after it.
///
/// Invariants: bytes that are not JSON are a −32700 with no id; a single message comes only from
/// a JSON object and a batch only from a non-empty array, one result per element; every accepted
/// message re-serializes to bytes that classify to the same message; every refusal is −32600 (or
/// −32700) and its error response is itself a well-formed message that classifies back to the
/// same response; a refusal marked as a notification carries no id. For requests and
/// notifications, `ModernEnvelope.parse` accepts only params whose `_meta` names a modern
/// protocol version and carries a capabilities object, and `isEnveloped` agrees with it.
public enum JSONRPCFuzzTarget {
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let parsed = try? JSONParser.parse(buffer: input)
        switch JSONRPCClassifier.classify(bytes: input) {
        case .single(let message):
            guard case .object? = parsed else { return Invariant.check(false, "a single message from a non-object") }
            check(message)
        case .batch(let results):
            guard case .array(let elements)? = parsed else { return Invariant.check(false, "a batch from a non-array") }
            Invariant.check(!elements.isEmpty && elements.count == results.count, "batch results do not match its elements")
            for result in results {
                switch result {
                case .success(let message): check(message)
                case .failure(let refusal): check(refusal, parseError: false)
                }
            }
        case .invalid(let refusal):
            check(refusal, parseError: parsed == nil)
            if case .array(let elements)? = parsed {
                Invariant.check(elements.isEmpty, "a non-empty array refused as a whole")
            }
        }
    }

    private static func check(_ message: JSONRPCMessage) {
        let bytes = message.bytes
        let again = bytes.withUnsafeBufferPointer { JSONRPCClassifier.classify(bytes: $0) }
        guard case .single(let same) = again else { return Invariant.check(false, "a valid message did not re-classify as one") }
        Invariant.check(same == message, "a valid message changed through serialization")
        switch message {
        case .request(let r): checkEnvelope(r.params)
        case .notification(let n): checkEnvelope(n.params)
        case .response: break
        }
    }

    private static func check(_ refusal: JSONRPCInvalidMessage, parseError: Bool) {
        let expected: JSONRPCErrorCode = parseError ? .parseError : .invalidRequest
        Invariant.check(refusal.error.code == expected, "refusal code \(refusal.error.code), expected \(expected)")
        if parseError { Invariant.check(refusal.id == nil, "a parse error echoed an id") }
        if refusal.isNotification { Invariant.check(refusal.id == nil, "a refused notification has an id") }
        let reply = JSONRPCMessage.response(refusal.response)
        let again = reply.bytes.withUnsafeBufferPointer { JSONRPCClassifier.classify(bytes: $0) }
        guard case .single(let same) = again else { return Invariant.check(false, "an error reply is not a valid message") }
        Invariant.check(same == reply, "an error reply changed through serialization")
    }

    private static func checkEnvelope(_ params: JSONValue?) {
        switch ModernEnvelope.parse(params) {
        case .success(let envelope):
            Invariant.check(envelope.version.isModern, "envelope accepted a legacy version")
            Invariant.check(ModernEnvelope.isEnveloped(params), "an accepted envelope is not enveloped")
            guard case .object(let meta)? = params?["_meta"] else { return Invariant.check(false, "accepted without _meta") }
            Invariant.check(
                meta[ModernEnvelope.protocolVersionKey] == .string(envelope.version.rawValue), "envelope version differs from _meta")
            Invariant.check(
                meta[ModernEnvelope.clientCapabilitiesKey] == .object(envelope.clientCapabilities),
                "envelope capabilities differ from _meta")
        case .failure(let error):
            Invariant.check(error.code.rawValue < 0, "envelope refusal with a non-negative code")
        }
    }
}
