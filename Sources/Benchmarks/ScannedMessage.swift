import CShim
#if canImport(Glibc)
import Glibc
#endif

/// What the stdio driver needs from one JSON-RPC line — its numeric id and whether it is a
/// result, an error or a message with a method — found by walking the top-level keys only.
///
/// A full parse would cost more than the fastest servers spend answering; the walk stops as soon
/// as it has seen the id and `result`/`error`, which lead every answer, so a 30 KB `tools/list`
/// answer is not read to its end. The answer's content is checked separately with `contains`.
struct ScannedMessage {
    var id: UInt64?
    var hasMethod = false
    var hasResult = false
    var hasError = false

    /// A response to one of our requests (not a notification or a server-to-client request).
    var isResponse: Bool { !hasMethod && (hasResult || hasError) }

    init(_ line: UnsafeBufferPointer<UInt8>) {
        let count = line.count
        var depth = 0
        var index = 0
        while index < count {
            let byte = line[index]
            switch byte {
            case 0x7B, 0x5B: depth += 1; index += 1
            case 0x7D, 0x5D: depth -= 1; index += 1
            case 0x22:
                let keyStart = index + 1
                var cursor = keyStart
                while cursor < count && line[cursor] != 0x22 {
                    cursor += line[cursor] == 0x5C ? 2 : 1
                }
                let keyEnd = cursor
                index = cursor + 1
                guard depth == 1 else { continue }
                var after = index
                while after < count && (line[after] == 0x20 || line[after] == 0x09) { after += 1 }
                guard after < count && line[after] == 0x3A else { continue }
                after += 1
                while after < count && (line[after] == 0x20 || line[after] == 0x09) { after += 1 }
                switch Self.key(line, keyStart, keyEnd) {
                case .id:
                    var value: UInt64 = 0
                    var digits = 0
                    while after + digits < count, case let digit = line[after + digits], digit >= 0x30 && digit <= 0x39 {
                        value = value &* 10 &+ UInt64(digit - 0x30)
                        digits += 1
                    }
                    if digits > 0 { id = value }
                case .method: hasMethod = true
                case .result: hasResult = true
                case .error: hasError = true
                case .other: break
                }
                if id != nil && (hasResult || hasError) { return }
                index = after
            default: index += 1
            }
        }
    }

    private enum Key { case id, method, result, error, other }

    private static func key(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Key {
        func equals(_ literal: StaticString) -> Bool {
            guard end - start == literal.utf8CodeUnitCount else { return false }
            return memcmp(line.baseAddress! + start, literal.utf8Start, literal.utf8CodeUnitCount) == 0
        }
        if equals("id") { return .id }
        if equals("result") { return .result }
        if equals("error") { return .error }
        if equals("method") { return .method }
        return .other
    }

    /// Whether `line` contains `needle` anywhere.
    static func contains(_ needle: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !needle.isEmpty else { return true }
        guard line.count >= needle.count, let base = line.baseAddress else { return false }
        return needle.withUnsafeBytes { cshim_memmem(base, line.count, $0.baseAddress, needle.count) } != nil
    }
}
