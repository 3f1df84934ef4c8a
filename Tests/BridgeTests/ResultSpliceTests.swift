@testable import Bridge
import JSON
import MCP
import Testing

/// Why: the relay builds a client's answer from the upstream's bytes instead of a parsed tree.
/// Whatever it builds must be exactly what the engine's `ResultShaper` makes of the same result
/// for the same client version — and it must splice the common shapes (or the relay would
/// silently fall back to the slow road everywhere).
@Suite struct ResultSpliceTests {
    static let serverInfo: JSONValue = ["name": "agentbridge", "version": "test"]

    static let results: [(String, Bool)] = [
        // (upstream result, whether the splice must handle it for every version)
        (#"{"content":[{"type":"text","text":"hi"}],"isError":false,"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up","version":"1"}}}"#, true),
        (#"{"content":[{"type":"text","text":"hi"}]}"#, true),                                  // a handshake-era upstream
        (#"{"content":[],"isError":true}"#, true),
        (#"{"content":[{"type":"text","text":"22"}],"structuredContent":{"t":22,"u":"C"},"isError":false}"#, true),
        (#"{"_meta":{"io.modelcontextprotocol/serverInfo":{}},"content":[{"type":"text","text":"x"}]}"#, true),
        (#"{"content":[{"type":"text","text":"x"}],"_meta":{"trace":"abc"}}"#, false),          // other _meta keys: the tree decides (2026)
        (#"{"content":[{"type":"text","text":"x"}],"_meta":{}}"#, false),
        (#"{"content":[{"type":"text","text":"x"}],"_meta":{"trace":"abc","io.modelcontextprotocol/serverInfo":{"name":"u"}}}"#, false),
        (#"{"content":[{"type":"text","text":"x"}],"ttlMs":5}"#, false),
        (#"{"content":[{"type":"text","text":"x"}],"isError":null}"#, false),
        (#"{"resultType":"input_required","requestState":"s"}"#, false),
        (#"{"content":{"type":"text"}}"#, false),
        (#"{"isError":false}"#, false),
    ]

    @Test(arguments: [ProtocolVersion.v2026_07_28, .v2025_11_25, .v2025_06_18])
    func splicedAnswersAreTheShapersAnswers(version: ProtocolVersion) throws {
        let serverInfoMeta = JSONWriter.bytes([ResultShaper.serverInfoKey: Self.serverInfo])
        for (text, common) in Self.results {
            let line = Array(#"{"jsonrpc":"2.0","id":"ab-1","result":"#.utf8) + Array(text.utf8) + Array("}".utf8)
            let spliced: [UInt8]? = line.withUnsafeBufferPointer { buffer in
                // As the relay reads an upstream's answer: the result's members from the validating pass.
                guard let (top, members) = JSONScanner.objectMembers(buffer, nested: "result"), let members,
                      let result = top.first(where: { JSONScanner.equals($0.key, "result", in: buffer) }) else { return nil }
                return members.withUnsafeBufferPointer { members in ResultSplice.answer(result.value, members: members, in: buffer, clientID: Array("7".utf8)[...], version: version, serverInfoMeta: serverInfoMeta) }
            }
            if common { #expect(spliced != nil, "\(version): not spliced: \(text)") }
            guard let spliced else { continue }
            #expect(!spliced.contains(0x0A), "one JSON text without a line break")
            let answer = try JSONParser.parse(spliced)
            let expected = ResultShaper.shape(result: try JSONParser.parse(text), method: MCPMethod.toolsCall, version: version,
                                              cache: .uncached, serverInfo: Self.serverInfo)
            #expect(answer["id"] == .int(7))
            #expect(answer["result"] == expected, "\(version): \(text)\n spliced \(answer["result"] ?? .null)\n shaper  \(expected)")
        }
    }

    /// The relay remembers the last upstream `_meta` it accepted and compares instead of walking
    /// it again; a different one is still checked, so a remembered one never lets another pass.
    @Test func aRememberedMetaIsComparedAndADifferentOneStillChecked() throws {
        let serverInfoMeta = JSONWriter.bytes([ResultShaper.serverInfoKey: Self.serverInfo])
        var known: [UInt8] = []
        func splice(_ text: String) -> Bool {
            let line = Array(#"{"jsonrpc":"2.0","id":"ab-1","result":"#.utf8) + Array(text.utf8) + Array("}".utf8)
            return line.withUnsafeBufferPointer { buffer in
                guard let (top, members) = JSONScanner.objectMembers(buffer, nested: "result"), let members,
                      let result = top.first(where: { JSONScanner.equals($0.key, "result", in: buffer) }) else { return false }
                var out: [UInt8] = []
                return members.withUnsafeBufferPointer { members in
                    ResultSplice.write(result.value, members: members, in: buffer, clientID: Array("7".utf8)[...], version: .v2026_07_28,
                                       serverInfoMeta: serverInfoMeta, knownMeta: &known, into: &out)
                }
            }
        }
        let plain = #"{"content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"up","version":"1"}}}"#
        #expect(splice(plain))
        #expect(String(decoding: known, as: UTF8.self) == #"{"io.modelcontextprotocol/serverInfo":{"name":"up","version":"1"}}"#)
        #expect(splice(plain))
        // Another key beside serverInfo: unequal to the remembered one, walked, refused.
        #expect(!splice(#"{"content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"u"},"x":1}}"#))
        #expect(splice(#"{"content":[],"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"other"}}}"#))
        #expect(String(decoding: known, as: UTF8.self) == #"{"io.modelcontextprotocol/serverInfo":{"name":"other"}}"#)
    }
}
