/// The servers of the suite and their command lines.
///
/// Tools: every server registers `echo` for the call workload; for `tools/list` every server
/// lists 120 tools in one page — the peers `echo` + `tool_001…tool_119` (`--tools 120`), ours
/// `echo` + `tool_001…tool_097` + the reference server's 22 conformance fixtures, whose schemas
/// are richer (the tables show each answer's size).
extension Peer {
    static func agentbridge(_ toolbox: Toolbox) -> Peer {
        let serve: (UInt16) -> [String] = { port in
            [toolbox.agentbridge, "--db", toolbox.runDirectory + "/reference-\(port).sqlite", "serve", "--surface", "reference",
             "--auth", "none", "--manifests", "none", "--no-access-log", "--listen", "127.0.0.1:\(port)"]
        }
        return Peer(
            name: "agentbridge", role: .ours,
            stdioCalls: [toolbox.agentbridge, "stdio", "--surface", "reference"],
            stdioList: [toolbox.referenceServer, "--tools", "98", "--page-size", "1000"],
            http: [
                HTTPVariant(name: "2026-07-28 JSON", era: .modern, session: false, command: serve),
                HTTPVariant(name: "2025-11-25 session", era: .legacy, session: true, command: serve),
            ])
    }

    /// The official Python SDK (`mcp` 2.3.0, its `MCPServer` API) and fastmcp 4.1.6, as the
    /// shared harness runs them: stdio, and uvicorn (one worker, asyncio + h11) for HTTP — its
    /// stateless JSON app for 2026-07-28, its default stateful app (SSE-framed answers) for sessions.
    static func python(_ choice: Choice, _ toolbox: Toolbox) -> Peer {
        let python = toolbox.python ?? "python3", peers = (toolbox.harness ?? ".") + "/peers"
        let module = choice == .python ? "python_mcp_server" : "fastmcp_server"
        let uvicorn: (UInt16) -> [String] = { port in
            [python, "-m", "uvicorn", "--factory", "--app-dir", peers, "\(module):make_app", "--host", "127.0.0.1", "--port", "\(port)",
             "--log-level", "warning", "--no-access-log", "--loop", "asyncio", "--http", "h11"]
        }
        return Peer(
            name: choice == .python ? "python mcp 2.3.0" : "fastmcp 4.1.6", role: .peer,
            stdioCalls: [python, "\(peers)/\(module).py", "stdio", "--tools", "1"],
            stdioList: [python, "\(peers)/\(module).py", "stdio", "--tools", "120"],
            http: [
                HTTPVariant(name: "2026-07-28 JSON", era: .modern, session: false,
                            environment: ["PEER_MODE": "stateless", "PEER_JSON": "1"], command: uvicorn),
                HTTPVariant(name: "2025-11-25 session", era: .legacy, session: true,
                            environment: ["PEER_MODE": "stateful", "PEER_JSON": "0"], command: uvicorn),
            ])
    }

    /// The machine's ceiling: the harness's C null servers (canned answers, no MCP work).
    static func ceiling(_ toolbox: Toolbox) -> Peer {
        Peer(
            name: "ceiling (C, canned)", role: .ceiling,
            stdioCalls: [toolbox.nullServer, "--tools", "1"],
            stdioList: [toolbox.nullServer, "--tools", "120"],
            http: [HTTPVariant(name: "raw HTTP", era: .modern, session: false, raw: true) { port in [toolbox.httpNull, "\(port)"] }])
    }
}
