/// The wrk script every HTTP server is measured with: each request is one MCP `tools/call echo`
/// POST with its own JSON-RPC id, shaped for the era (2026-07-28: routing headers and the `_meta`
/// envelope; 2025-11-25: the session id when there is one). `done` prints one line the suite
/// parses, with p99.9 — wrk's own summary stops at p99.
enum WrkScript {
    static let marker = "AGENTBRIDGE-WRK"

    static let text = """
        -- Written by agentbridge-bench suite; settings come from the environment:
        -- BENCH_ERA (modern | legacy), BENCH_SESSION (Mcp-Session-Id), BENCH_PATH (request path).
        local era = os.getenv("BENCH_ERA") or "modern"
        local session = os.getenv("BENCH_SESSION") or ""
        local path = os.getenv("BENCH_PATH") or "/mcp"
        local headers, head, tail
        local sequence = 0

        function init(args)
          headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json, text/event-stream" }
          local params = '"name":"echo","arguments":{"text":"hello"}'
          if era == "modern" then
            headers["MCP-Protocol-Version"] = "2026-07-28"
            headers["Mcp-Method"] = "tools/call"
            headers["Mcp-Name"] = "echo"
            params = params .. ',' .. '\(Era.envelope)'
          else
            headers["MCP-Protocol-Version"] = "2025-11-25"
            if session ~= "" then headers["Mcp-Session-Id"] = session end
          end
          head = '{"jsonrpc":"2.0","id":'
          tail = ',"method":"tools/call","params":{' .. params .. '}}'
        end

        function request()
          sequence = sequence + 1
          return wrk.format("POST", path, headers, head .. sequence .. tail)
        end

        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("\(marker) %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\\n",
            summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
            latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
        end

        """
}
