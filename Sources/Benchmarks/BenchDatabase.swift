import Foundation

/// The platform database of the gateway and `run_agent` sections: agent `bench` bound to the
/// reference server (`mcp-reference-server --tools 100`, started by agentbridge over stdio) with
/// its `echo` exposed under the same name, so the same drivers and wrk script work through the
/// gateway; the scripted model, so a run costs no model time; no history between runs.
enum BenchDatabase {
    static func prepare(_ toolbox: Toolbox) throws -> String {
        let database = toolbox.runDirectory + "/platform.sqlite"
        if FileManager.default.fileExists(atPath: database) { return database }
        let manifest = toolbox.runDirectory + "/bench-manifest.json"
        let text = """
            {
              "upstream_servers": {
                "ref": { "transport": "stdio", "command": "\(toolbox.referenceServer)", "args": ["--tools", "100"],
                         "default_allowed_tools": ["echo"], "timeout_s": 30, "sharing": "shared" }
              },
              "agents": {
                "bench": { "name": "Bench", "instructions": "Benchmark agent.", "model": "scripted/bench", "max_steps": 4,
                           "history": { "runs": 0 },
                           "bindings": [ { "server": "ref", "allowed_tools": ["echo"], "timeout_s": 30,
                                           "tools": { "echo": { "alias": "echo" } } } ] }
              }
            }
            """
        try text.write(toFile: manifest, atomically: true, encoding: .utf8)
        let applied = try Subprocess.capture([toolbox.agentbridge, "--db", database, "apply", manifest])
        guard applied.status == 0 else { throw BenchmarkFailure("agentbridge apply failed:\n\(applied.output)") }
        return database
    }
}
