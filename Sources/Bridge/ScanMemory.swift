#if canImport(Glibc)
import Glibc
#endif
import JSON
import Synchronization

/// The `_meta` member value that the last scan of one stream's lines accepted, passed to the
/// next scan as `JSONScanner`'s `known`: a client's envelope and an upstream's `result._meta`
/// (its serverInfo) are the same bytes on nearly every line, and are then compared instead of
/// checked again — a third of the bytes the relay scans per call.
///
/// One per stream (the stdio client's, each upstream's), so its lock is never contended; the
/// scan runs under it, which keeps the remembered bytes from being copied (and retained) per line.
final class ScanMemory: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    /// Scans `line` as `JSONScanner.withObjectMembers` does; `body` also returns the range of the
    /// nested object's `_meta` value, which is remembered when it differs from the last one.
    @discardableResult
    func scan(_ line: UnsafeBufferPointer<UInt8>, limits: JSONParser.Limits, nested: StaticString,
              _ body: (UnsafeBufferPointer<JSONScanner.Member>, UnsafeBufferPointer<JSONScanner.Member>?) -> Range<Int>?) -> Bool {
        bytes.withLock { remembered in
            var meta: Range<Int>?
            let accepted = remembered.withUnsafeBytes { known in
                JSONScanner.withObjectMembers(line, limits: limits, nested: nested, known: known) { top, inner in meta = body(top, inner) }
            }
            if accepted, let meta, let base = line.baseAddress {
                let same = remembered.count == meta.count
                    && remembered.withUnsafeBytes { memcmp($0.baseAddress!, base + meta.lowerBound, meta.count) == 0 }
                if !same { remembered = Array(line[meta]) }
            }
            return accepted
        }
    }

    /// The `_meta` member of `members` (a nested object's), if any.
    static func meta(of members: UnsafeBufferPointer<JSONScanner.Member>?, in line: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        members?.first { JSONScanner.equals($0.key, "_meta", in: line) }?.value
    }
}
