#if canImport(Glibc)
import Glibc
#endif
internal import CShim
import JSON
import Synchronization

/// The secret values one upstream was given — credentials resolved into its environment or its
/// request headers — so that nothing it sends back carries them further. An upstream may echo
/// what it was given (a tool that prints its configuration, an error quoting the token it
/// rejected); the caller of a governed binding was never meant to see the credential behind it.
/// Tool results, listings, prompts, resources, error texts and log lines that come from the
/// upstream are redacted here, every occurrence becoming `[redacted]` (the word the stderr
/// summaries use).
///
/// The values are kept as they were resolved: a rotated credential's old value stays too (up to
/// `maxValues`, newest kept), since an upstream restarted later may still repeat it.
public final class UpstreamSecrets: Sendable {
    public static let replacement = "[redacted]"
    public static let maxValues = 32

    private struct Value: Sendable {
        var text: String
        var bytes: [UInt8]
        /// Whether a JSON writer may spell it differently (escapes, `\u` for non-ASCII).
        var escapable: Bool
    }
    private struct Values: Sendable {
        /// As recorded, oldest first (the cap drops from here).
        var recorded: [Value] = []
        /// The same, longest first: the order of replacement.
        var longestFirst: [Value] = []
    }
    private let values = Mutex(Values())
    /// Whether any value is known: the relay asks for every line, and nearly every upstream has
    /// none, so the answer costs one atomic load rather than the lock.
    private let holdsAny = Atomic<Bool>(false)

    public init(_ initial: [String] = []) {
        record(initial)
    }

    /// Adds values just resolved (empty ones ignored; longest first, so that a secret containing
    /// another is replaced whole).
    public func record(_ new: [String]) {
        let fresh = new.filter { !$0.isEmpty }
        guard !fresh.isEmpty else { return }
        values.withLock { values in
            let added = fresh.filter { text in !values.recorded.contains(where: { $0.text == text }) }
            guard !added.isEmpty else { return }
            for text in Set(added) {
                let bytes = Array(text.utf8)
                values.recorded.append(Value(text: text, bytes: bytes, escapable: bytes.contains(where: Self.mayBeEscaped)))
            }
            if values.recorded.count > Self.maxValues { values.recorded.removeFirst(values.recorded.count - Self.maxValues) }
            values.longestFirst = values.recorded.sorted { $0.bytes.count > $1.bytes.count }
        }
        holdsAny.store(true, ordering: .releasing)
    }

    /// Bytes some JSON writer spells as an escape: controls, non-ASCII, `"` and `\`, and what
    /// writers escape by choice (Go: `<` `>` `&`; PHP: `/`; some: `'`).
    static func mayBeEscaped(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte >= 0x7F || [0x22, 0x5C, 0x2F, 0x3C, 0x3E, 0x26, 0x27].contains(byte)
    }

    public var isEmpty: Bool { !holdsAny.load(ordering: .acquiring) }

    /// `text` with every secret replaced.
    public func redact(_ text: String) -> String {
        guard !isEmpty else { return text }
        let current = values.withLock { $0.longestFirst }
        guard !current.isEmpty else { return text }
        // Bytes, not Characters: a secret followed by a combining mark is still found (the same
        // rule as the stderr summaries, whose replacement this is).
        var out = text
        for value in current where out.utf8.count >= value.bytes.count {
            out = out.replacingAll(value.text, with: Self.replacement)
        }
        return out
    }

    /// `value` with every string and key containing a secret redacted.
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !isEmpty else { return value }
        let current = values.withLock { $0.longestFirst }
        // Nearly every reply holds no secret: look first, and rebuild only one that does.
        guard Self.holds(value, current) else { return value }
        return redacting(value)
    }

    private static func holds(_ value: JSONValue, _ secrets: [Value]) -> Bool {
        switch value {
        case .string(let s): return holds(s, secrets)
        case .array(let items): return items.contains { holds($0, secrets) }
        case .object(let object): return object.contains { key, member in holds(key, secrets) || holds(member, secrets) }
        case .encoded: return true
        case .null, .bool, .int, .double: return false
        }
    }

    private static func holds(_ text: String, _ secrets: [Value]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return secrets.contains { value in
                value.bytes.withUnsafeBytes { cshim_memmem(base, bytes.count, $0.baseAddress, $0.count) } != nil
            }
        }
    }

    private func redacting(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s):
            return .string(redact(s))
        case .array(let items):
            return .array(items.map(redacting))
        case .object(let object):
            return .object(JSONObject(object.map { key, member in (redact(key), redacting(member)) }))
        case .encoded:
            // Pre-encoded text is ours (never an upstream's), but stay safe: check its tree.
            return (try? JSONParser.parse(JSONWriter.bytes(value))).map(redacting) ?? value
        case .null, .bool, .int, .double:
            return value
        }
    }

    /// Whether `line` (one JSON text as received) may carry a secret: its bytes appear as they
    /// are, or the secret is one a JSON writer could have escaped and the line has an escape.
    /// False negatives are impossible; a true answer sends the line the slow way (parsed,
    /// redacted, written again).
    public func mayAppear(in line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !isEmpty else { return false }
        let current = values.withLock { $0.longestFirst }
        guard !current.isEmpty, let base = line.baseAddress else { return false }
        var hasEscape: Bool?
        for value in current {
            if value.bytes.withUnsafeBytes({ cshim_memmem(base, line.count, $0.baseAddress, $0.count) }) != nil { return true }
            if value.escapable {
                if hasEscape == nil { hasEscape = line.contains(0x5C) }
                if hasEscape == true { return true }
            }
        }
        return false
    }
}
