// ResultSplice: a relayed call's answer built from the upstream's bytes.

#if canImport(Glibc)
import Glibc
#endif
import JSON
import MCP

/// Builds the JSON-RPC answer to a client from an upstream's `tools/call` result without
/// parsing it into a tree: the result's members are copied as they came, with exactly the
/// changes `ResultShaper` makes for the client's version (2026: `resultType`, and our
/// `serverInfo` in `_meta` in place of the upstream's; handshake era: neither). Results
/// with anything else return nil and are shaped from the parsed tree instead
/// (`ResultSpliceTests` holds the two ways to the same answers).
enum ResultSplice {
    /// The answer to the client as `ResultShaper` would shape `result` for its version, built
    /// from the upstream's bytes; nil when the result holds anything the splice does not cover.
    /// `members` are the result's (`JSONScanner.objectMembers(_:nested:)` finds them while it
    /// validates the line).
    static func answer(_ result: Range<Int>, members: UnsafeBufferPointer<JSONScanner.Member>, in line: UnsafeBufferPointer<UInt8>, clientID: ArraySlice<UInt8>,
                       version: ProtocolVersion, serverInfoMeta: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(result.count + clientID.count + serverInfoMeta.count + 64)
        var knownMeta: [UInt8] = []
        guard write(result, members: members, in: line, clientID: clientID, version: version, serverInfoMeta: serverInfoMeta,
                    knownMeta: &knownMeta, into: &out) else { return nil }
        return out
    }

    /// `answer`, appended to `out` (the relay's batch for the client, under its lock: no
    /// buffer of its own). False, with `out` untouched, when the splice does not cover the result.
    /// `knownMeta`: a 2026 result `_meta` already found to hold nothing but the upstream's
    /// `serverInfo` (an upstream sends the same one with every answer: it is compared, not
    /// walked again); updated when another one passes.
    static func write(_ result: Range<Int>, members: UnsafeBufferPointer<JSONScanner.Member>, in line: UnsafeBufferPointer<UInt8>, clientID: ArraySlice<UInt8>,
                      version: ProtocolVersion, serverInfoMeta: [UInt8], knownMeta: inout [UInt8], into out: inout [UInt8]) -> Bool {
        var hasContent = false, hasResultType = false, hasMeta = false
        /// A handshake-era answer keeps a `_meta` without the upstream's serverInfo as it came.
        var keepMeta = false
        for member in members {
            let value = member.value
            if JSONScanner.equals(member.key, "content", in: line) {
                guard line[value.lowerBound] == UInt8(ascii: "[") else { return false }
                hasContent = true
            } else if JSONScanner.equals(member.key, "isError", in: line) {
                guard JSONScanner.equals(value, "true", in: line) || JSONScanner.equals(value, "false", in: line) else { return false }
            } else if JSONScanner.equals(member.key, "resultType", in: line) {
                guard JSONScanner.equals(value, "\"complete\"", in: line) else { return false }
                hasResultType = true
            } else if JSONScanner.equals(member.key, "_meta", in: line) {
                // Only the upstream's own serverInfo: 2026 gets ours in its place, the handshake
                // era no `_meta` at all (the key is 2026's). A handshake-era answer keeps a
                // `_meta` without it as it came; anything else needs the tree.
                let known = knownMeta.count == value.count
                    && knownMeta.withUnsafeBytes { memcmp($0.baseAddress!, line.baseAddress! + value.lowerBound, value.count) == 0 }
                if !known {
                    var infos = 0, others = 0
                    guard JSONScanner.forEachMember(of: value, in: line, { member in
                        if JSONScanner.equals(member.key, "io.modelcontextprotocol/serverInfo", in: line) { infos += 1 } else { others += 1 }
                        return true
                    }) else { return false }
                    if infos == 0 && !version.isModern {
                        keepMeta = true  // nothing of the upstream's to drop: as it came
                    } else if others > 0 {
                        return false
                    } else if infos > 0 {
                        knownMeta = Array(line[value])  // exactly the upstream's serverInfo
                    }
                }
                hasMeta = true
            } else if !JSONScanner.equals(member.key, "structuredContent", in: line) {
                return false
            }
        }
        guard hasContent else { return false }
        let ours = version.isModern ? serverInfoMeta : []
        out.append(literal: #"{"jsonrpc":"2.0","id":"#)
        out += clientID
        out.append(literal: #","result":{"#)
        var first = true
        for member in members {
            if !version.isModern && JSONScanner.equals(member.key, "resultType", in: line) { continue }
            if !version.isModern && !keepMeta && JSONScanner.equals(member.key, "_meta", in: line) { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out += UnsafeBufferPointer(rebasing: line[member.key])
            out.append(literal: "\":")
            if version.isModern && JSONScanner.equals(member.key, "_meta", in: line) {
                out += ours
            } else {
                out += UnsafeBufferPointer(rebasing: line[member.value])
            }
        }
        if version.isModern {
            if !hasResultType { out.append(literal: #","resultType":"complete""#) }
            if !hasMeta {
                out.append(literal: #","_meta":"#)
                out += ours
            }
        }
        out.append(literal: "}}")
        return true
    }
}
