import Foundation
import Testing

/// A credential given to an upstream never reaches the caller, even when the upstream sends it
/// back: the reference server's `echo` repeats its text and its prompt quotes its arguments, so a
/// caller who puts the credential's value in them gets it back redacted — through the tool-call
/// relay (`tools/call`, both eras) and through the engine (`prompts/get`).
@Suite("Gateway: an upstream's credentials are redacted from what it sends back")
struct UpstreamSecretEchoTests {
    @Test func anEchoedCredentialComesBackRedacted() async throws {
        let binary = try Interop.binDirectory().appendingPathComponent("agentbridge").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("secret-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("agentbridge.sqlite").path
        let secret = "tok-\(UUID().uuidString)"
        let manifest = dir.appendingPathComponent("secret.json").path
        try #"""
            {"upstream_servers": {"ref": {"transport": "stdio", "command": "\#(binary)", "args": ["reference-server", "--tools", "3"],
                                          "env": {"REF_TOKEN": "${credential:ref_token}"}}},
             "agents": {"a": {"name": "A", "instructions": "i", "model": "scripted/x",
                              "bindings": [{"server": "ref", "allowed_tools": ["echo"], "allowed_prompts": ["test_prompt_with_arguments"]}]}}}
            """#.write(toFile: manifest, atomically: true, encoding: .utf8)
        let stored = await Interop.run("/usr/bin/env", ["REF_TOKEN_VALUE=\(secret)", binary, "--db", db, "credentials", "set", "ref_token",
                                                        "--kind", "bearer_token", "--from-env", "REF_TOKEN_VALUE"], timeout: 60)
        #expect(stored.status == 0, "\(stored.output)")
        let applied = await Interop.run(binary, ["--db", db, "apply", manifest], timeout: 60)
        #expect(applied.status == 0, "\(applied.output)")

        let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#
        let modern = [
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ref__echo","arguments":{"text":"my token is \#(secret)"},\#(meta)}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"ref__test_prompt_with_arguments","arguments":{"arg1":"\#(secret)","arg2":"b"},\#(meta)}}"#,
        ]
        let legacy = [
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ref__echo","arguments":{"text":"my token is \#(secret)"}}}"#,
        ]
        for (era, lines) in [("2026", modern), ("handshake", legacy)] {
            let input = dir.appendingPathComponent("input-\(era).jsonl")
            try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
            // The pause keeps stdin open until the answers are out.
            let result = await Interop.run("/bin/sh", ["-c", "(cat '\(input.path)'; sleep 3) | '\(binary)' --db '\(db)' stdio --agent a"], timeout: 60)
            #expect(result.status == 0, "\(era): \(result.output)")
            #expect(result.output.contains("my token is [redacted]"), "\(era): \(result.output)")
            #expect(!result.output.contains(secret), "\(era): the credential reached the caller:\n\(result.output)")
            if era == "2026" {
                #expect(result.output.contains(#""id":2,"result""#) && result.output.contains("[redacted]"), "\(result.output)")
            }
        }
    }
}
