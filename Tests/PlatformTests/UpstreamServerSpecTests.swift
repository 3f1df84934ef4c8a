// UpstreamServerSpecTests: strict parsing of upstream server specs — defaults and the canonical
// JSON form, round trips, every field rule with its exact path and message, fields of the other
// transport, URL rules (scheme, host, userinfo, fragment, whitespace, port, IPv6), environment
// names and `${credential:NAME}` references, headers, and issue collection.

import JSON
import Platform
import Testing

@Suite("UpstreamServerSpec")
struct UpstreamServerSpecTests {
    private func parse(_ text: String, path: String = "$") throws -> UpstreamServerSpec {
        try UpstreamServerSpec.parse(try JSONParser.parse(text), path: path)
    }

    /// The issues `text` produces, as "path: reason" strings.
    private func issues(_ text: String, path: String = "$") throws -> [String] {
        do {
            _ = try parse(text, path: path)
            return []
        } catch let error as PlatformError {
            guard case .invalid(let issues) = error else { return ["unexpected \(error)"] }
            return issues.map(\.description)
        }
    }

    @Test("a minimal stdio spec gets the defaults, and its canonical JSON writes them out")
    func minimalStdio() throws {
        let spec = try parse(#"{"transport": "stdio", "command": "npx"}"#)
        #expect(spec.transport == .stdio(StdioLaunch(command: "npx")))
        #expect(spec.name == nil && spec.description == nil)
        #expect(spec.defaultAllowedTools.isEmpty)
        #expect(spec.timeoutSeconds == 30)
        #expect(spec.enabled)
        #expect(spec.sharing == .shared)
        #expect(spec.credentialNames.isEmpty)
        #expect(JSONWriter.string(spec.json) ==
            #"{"transport":"stdio","command":"npx","default_allowed_tools":[],"timeout_s":30,"startup_timeout_s":30,"enabled":true,"sharing":"shared"}"#)
        #expect(try UpstreamServerSpec.parse(spec.json) == spec)
    }

    @Test("startup_timeout_s: a stdio server's start budget, 1…600 seconds, default 30, and no field of an http server")
    func startupTimeout() throws {
        let base = #""transport": "stdio", "command": "npx""#
        #expect(try parse("{\(base)}").startupTimeoutSeconds == 30)
        #expect(try parse("{\(base), \"startup_timeout_s\": 1}").startupTimeoutSeconds == 1)
        let long = try parse("{\(base), \"startup_timeout_s\": 600}")
        #expect(long.startupTimeoutSeconds == 600)
        #expect(try UpstreamServerSpec.parse(long.json) == long)
        #expect(JSONWriter.string(long.json).contains(#""startup_timeout_s":600"#))
        #expect(try issues("{\(base), \"startup_timeout_s\": 0}") == ["$.startup_timeout_s: must be between 1 and 600 (got 0)"])
        #expect(try issues("{\(base), \"startup_timeout_s\": 601}") == ["$.startup_timeout_s: must be between 1 and 600 (got 601)"])
        #expect(try issues("{\(base), \"startup_timeout_s\": \"60\"}") == ["$.startup_timeout_s: must be an integer (got string)"])
        #expect(try issues(#"{"transport": "http", "url": "http://h", "startup_timeout_s": 60}"#) == ["$.startup_timeout_s: only for stdio transport"])
        let http = try parse(#"{"transport": "http", "url": "http://h"}"#)
        #expect(!JSONWriter.string(http.json).contains("startup_timeout_s"), "an http server's canonical form has no start budget")
    }

    @Test("a full stdio spec parses every field and round-trips through its canonical JSON")
    func fullStdio() throws {
        let text = #"""
            {"name": "GitHub tools", "description": "Issues and PRs", "transport": "stdio",
             "command": "/usr/local/bin/github-mcp", "args": ["--stdio", "-v", "-v", ""],
             "env": {"GITHUB_TOKEN": "${credential:github}", "MIXED": "a=${credential:one}&b=${credential:github}", "PLAIN": "$HOME/x", "EMPTY": "", "_under": "tab\there"},
             "cwd": "/srv/github", "default_allowed_tools": ["get_*", "list_issues"], "timeout_s": 120,
             "startup_timeout_s": 90, "enabled": false, "sharing": "per_session"}
            """#
        let spec = try parse(text)
        guard case .stdio(let stdio) = spec.transport else {
            Issue.record("expected stdio")
            return
        }
        #expect(spec.name == "GitHub tools")
        #expect(spec.description == "Issues and PRs")
        #expect(stdio.command == "/usr/local/bin/github-mcp")
        #expect(stdio.args == ["--stdio", "-v", "-v", ""])
        #expect(stdio.env.map(\.name) == ["GITHUB_TOKEN", "MIXED", "PLAIN", "EMPTY", "_under"])
        #expect(stdio.env[0].value.parts == [.credential("github")])
        #expect(stdio.env[1].value.parts == [.literal("a="), .credential("one"), .literal("&b="), .credential("github")])
        #expect(stdio.env[2].value.parts == [.literal("$HOME/x")])
        #expect(stdio.env[3].value.parts == [])
        #expect(stdio.cwd == "/srv/github")
        #expect(spec.defaultAllowedTools.map(\.text) == ["get_*", "list_issues"])
        #expect(ToolPattern.allows(spec.defaultAllowedTools, "get_issue"))
        #expect(spec.timeoutSeconds == 120)
        #expect(!spec.enabled)
        #expect(spec.sharing == .perSession)
        #expect(spec.credentialNames == ["github", "one"])
        #expect(try UpstreamServerSpec.parse(spec.json) == spec)
        #expect(try UpstreamServerSpec.parse(try JSONParser.parse(JSONWriter.string(spec.json))) == spec)
        #expect(spec.json == (try JSONParser.parse(text)))
    }

    @Test("a full http spec parses url and header templates and round-trips")
    func fullHTTP() throws {
        let spec = try parse(#"""
            {"transport": "http", "url": "https://mcp.example.com/v1/mcp?tenant=a",
             "headers": {"Authorization": "Bearer ${credential:github}", "X-Team": "${credential:team}-${credential:github}", "X-Static": "yes"},
             "sharing": "per_agent"}
            """#)
        guard case .http(let http) = spec.transport else {
            Issue.record("expected http")
            return
        }
        #expect(http.url == "https://mcp.example.com/v1/mcp?tenant=a")
        #expect(http.headers.map(\.name) == ["Authorization", "X-Team", "X-Static"])
        #expect(http.headers[0].valueTemplate == "Bearer ${credential:github}")
        #expect(spec.credentialNames == ["github", "team"])
        #expect(spec.sharing == .perAgent)
        #expect(try UpstreamServerSpec.parse(spec.json) == spec)
        #expect(JSONWriter.string(spec.json).hasPrefix(#"{"transport":"http","url":"https://mcp.example.com/v1/mcp?tenant=a","headers":{"#))
    }

    @Test("transport is required and must be stdio, http or sse; required fields per transport")
    func transportRules() throws {
        #expect(try issues(#"{"command": "x"}"#) == ["$.transport: is required"])
        #expect(try issues(#"{"transport": "websocket", "url": "http://h"}"#) == [#"$.transport: must be one of stdio, http, sse (got "websocket")"#])
        #expect(try issues(#"{"transport": "sse"}"#) == ["$.url: is required"])
        let sse = try UpstreamServerSpec.parse(try JSONParser.parse(Array(#"{"transport": "sse", "url": "http://h/sse"}"#.utf8)))
        guard case .http(let endpoint) = sse.transport else { Issue.record("sse is an HTTP endpoint"); return }
        #expect(endpoint.isLegacySSE && sse.transport.name == "sse" && sse.json["transport"] == "sse")
        #expect(try UpstreamServerSpec.parse(sse.json) == sse, "round trip")
        #expect(try issues(#"{"transport": "stdio"}"#) == ["$.command: is required"])
        #expect(try issues(#"{"transport": "http"}"#) == ["$.url: is required"])
        #expect(try issues(#"{"transport": 1}"#) == ["$.transport: must be a string (got number)"])
        #expect(try issues(#"[1]"#) == ["$: must be an object (got array)", "$.transport: is required"])
    }

    @Test("fields of the other transport are named as such")
    func otherTransportFields() throws {
        #expect(try issues(#"{"transport": "stdio", "command": "x", "url": "http://h", "headers": {"A": "b"}}"#) == [
            "$.url: only for http and sse transports", "$.headers: only for http and sse transports",
        ])
        #expect(try issues(#"{"transport": "http", "url": "http://h", "command": "x", "args": [], "env": {}, "cwd": "/"}"#) == [
            "$.command: only for stdio transport", "$.args: only for stdio transport", "$.env: only for stdio transport",
            "$.cwd: only for stdio transport",
        ])
    }

    @Test("with an unknown transport, both transports' fields are still checked")
    func unknownTransportStillChecksFields() throws {
        #expect(try issues(#"{"transport": "ws", "cwd": "rel", "url": "ftp://h"}"#) == [
            #"$.transport: must be one of stdio, http, sse (got "ws")"#, "$.cwd: must be an absolute path (starting with /)",
            "$.url: must start with http:// or https://",
        ])
    }

    @Test("unknown fields are rejected by name")
    func unknownFields() throws {
        #expect(try issues(#"{"transport": "stdio", "command": "x", "comand": "y", "allowed_tools": []}"#) == [
            "$.comand: unknown field", "$.allowed_tools: unknown field",
        ])
    }

    @Test("command and args: lengths, counts, types and control characters")
    func commandAndArgs() throws {
        let long = String(repeating: "a", count: 4097)
        #expect(try issues(#"{"transport": "stdio", "command": ""}"#) == ["$.command: must not be empty"])
        #expect(try issues(#"{"transport": "stdio", "command": "\#(long)"}"#) == ["$.command: must be at most 4096 characters (got 4097)"])
        #expect(try issues(#"{"transport": "stdio", "command": "a\nb"}"#) == ["$.command: must not contain control characters or line breaks"])
        #expect(try parse(#"{"transport": "stdio", "command": "\#(String(long.dropFirst()))"}"#).credentialNames == [])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "args": "-v"}"#) == ["$.args: must be an array (got string)"])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "args": ["ok", 3, "a\u0000b", "\#(long)"]}"#) == [
            "$.args[1]: must be a string (got number)", "$.args[2]: must not contain control characters or line breaks",
            "$.args[3]: must be at most 4096 characters (got 4097)",
        ])
        let tooMany = "[" + Array(repeating: "\"a\"", count: 257).joined(separator: ",") + "]"
        #expect(try issues(#"{"transport": "stdio", "command": "x", "args": \#(tooMany)}"#) == ["$.args: must have at most 256 items (got 257)"])
        let maxArgs = "[" + Array(repeating: "\"a\"", count: 256).joined(separator: ",") + "]"
        #expect(try issues(#"{"transport": "stdio", "command": "x", "args": \#(maxArgs)}"#) == [])
    }

    @Test("env: names, values, control characters and credential reference syntax")
    func environment() throws {
        let longName = String(repeating: "A", count: 129)
        #expect(try issues(#"{"transport": "stdio", "command": "x", "env": {"1ABC": "v", "A-B": "v", "\#(longName)": "v", "OK": "v"}}"#) == [
            "$.env.1ABC: environment variable names must match [A-Za-z_][A-Za-z0-9_]* and be at most 128 characters",
            "$.env[\"A-B\"]: environment variable names must match [A-Za-z_][A-Za-z0-9_]* and be at most 128 characters",
            "$.env.\(longName): environment variable names must match [A-Za-z_][A-Za-z0-9_]* and be at most 128 characters",
        ])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "env": {"A": "x\ny", "B": "x\ry", "C": "x\u0000y", "D": "\u0007"}}"#) == [
            "$.env.A: must not contain control characters (NUL, CR, LF, …)",
            "$.env.B: must not contain control characters (NUL, CR, LF, …)",
            "$.env.C: must not contain control characters (NUL, CR, LF, …)",
            "$.env.D: must not contain control characters (NUL, CR, LF, …)",
        ])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "env": {"A": "${credential:bad name}", "B": "${secret:x}", "C": "${credential:x", "D": "${credential:}", "E": 5}}"#) == [
            "$.env.E: must be a string (got number)",
            "$.env.A: references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${credential:bad name})",
            "$.env.B: references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${secret:x})",
            "$.env.C: unterminated ${…} reference",
            "$.env.D: references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${credential:})",
        ])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "env": []}"#) == ["$.env: must be an object (got array)"])
        // A credential reference is recorded even in the middle of literal text, once per name.
        let spec = try parse(#"{"transport": "stdio", "command": "x", "env": {"A": "${credential:a}${credential:b}", "B": "x${credential:a}"}}"#)
        #expect(spec.credentialNames == ["a", "b"])
    }

    @Test("cwd must be an absolute path")
    func cwd() throws {
        #expect(try issues(#"{"transport": "stdio", "command": "x", "cwd": "srv"}"#) == ["$.cwd: must be an absolute path (starting with /)"])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "cwd": "./srv"}"#) == ["$.cwd: must be an absolute path (starting with /)"])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "cwd": "/srv\t"}"#) == ["$.cwd: must not contain control characters or line breaks"])
        #expect(try issues(#"{"transport": "stdio", "command": "x", "cwd": "/"}"#) == [])
    }

    static let badURLs: [(String, String)] = [
        ("ftp://example.com/mcp", "must start with http:// or https://"),
        ("HTTP://example.com", "must start with http:// or https://"),
        ("example.com/mcp", "must start with http:// or https://"),
        ("http://", "must name a host"),
        ("https:///path", "must name a host"),
        ("http://:8080/x", "must name a host"),
        ("https://user:pass@example.com/mcp", "must not contain credentials (user:pass@); put credentials in headers with ${credential:NAME}"),
        ("https://token@example.com", "must not contain credentials (user:pass@); put credentials in headers with ${credential:NAME}"),
        ("http://example.com/mcp#section", "must not contain a fragment (#…)"),
        ("http://example.com#", "must not contain a fragment (#…)"),
        ("http://exa mple.com", "must not contain whitespace or control characters"),
        ("http://example.com/a b", "must not contain whitespace or control characters"),
        ("http://example.com/\\u0009", "must not contain whitespace or control characters"),
        ("http://example.com/\\n", "must not contain whitespace or control characters"),
        ("http://héllo.example/", "must be ASCII (percent-encode other characters; use punycode for host names)"),
        ("http://example.com:0/", "has an invalid port (must be 1–65535)"),
        ("http://example.com:65536/", "has an invalid port (must be 1–65535)"),
        ("http://example.com:/", "has an invalid port (must be 1–65535)"),
        ("http://example.com:8o/", "has an invalid port (must be 1–65535)"),
        ("http://[::1/", "has an unterminated IPv6 address ([…])"),
        ("http://[zz]/", "has an invalid IPv6 address"),
        ("http://[::1]x/", "has unexpected text after the IPv6 address"),
        ("http://exa$mple.com/", "has an invalid host name"),
        ("http://" + String(repeating: "a", count: 2042), "must be at most 2048 characters (got 2049)"),
    ]

    @Test("url rules: scheme, host, userinfo, fragment, whitespace, ASCII, port, length", arguments: badURLs)
    func badURL(_ url: String, _ reason: String) throws {
        #expect(try issues(#"{"transport": "http", "url": "\#(url)"}"#) == ["$.url: \(reason)"])
    }

    @Test("well-formed http and https URLs are accepted", arguments: [
        "https://example.com/mcp", "http://localhost:8080", "http://127.0.0.1:3000/mcp", "http://[::1]:8080/mcp",
        "https://api.example.com/v1/mcp?key=a&b=c", "https://example.com/users/@me/mcp", "http://my_host.internal",
        "https://example.com:65535", "http://" + String(repeating: "a", count: 2041),
    ])
    func goodURL(_ url: String) throws {
        let spec = try parse(#"{"transport": "http", "url": "\#(url)"}"#)
        #expect(spec.transport == .http(HTTPEndpoint(url: url)))
    }

    @Test("a url may reference credentials in its path and query, never in its scheme or host")
    func urlCredentials() throws {
        let spec = try parse(#"{"transport": "http", "url": "https://api.example.com/${credential:path-key}/mcp?key=${credential:api_key}&v=1", "headers": {"X-A": "${credential:api_key}", "X-B": "${credential:other}"}}"#)
        guard case .http(let endpoint) = spec.transport else {
            Issue.record("not http: \(spec.transport)")
            return
        }
        // Kept as written (what is stored and shown), the references listed with the headers'.
        #expect(endpoint.url == "https://api.example.com/${credential:path-key}/mcp?key=${credential:api_key}&v=1")
        #expect(endpoint.urlTemplate.credentialNames == ["path-key", "api_key"])
        #expect(spec.credentialNames == ["path-key", "api_key", "other"])
        #expect(try UpstreamServerSpec.parse(spec.json) == spec)
        for (url, reason) in [
            ("https://${credential:host}/mcp", "may reference credentials only in its path or query (after the host)"),
            ("https://api.example.com:${credential:port}/mcp", "may reference credentials only in its path or query (after the host)"),
            ("${credential:all}", "may reference credentials only in its path or query (after the host)"),
            ("https://api.example.com/mcp?key=${credential:k", "unterminated ${…} reference"),
            ("https://api.example.com/mcp?key=${secret:k}", "references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${secret:k})"),
            ("https://api.example.com/mcp?key=${credential:k}#frag", "must not contain a fragment (#…)"),
        ] {
            #expect(try issues(#"{"transport": "http", "url": "\#(url)"}"#) == ["$.url: \(reason)"], "\(url)")
        }
    }

    @Test("a credential is percent-encoded where it stands in a url")
    func urlPercentEncoding() throws {
        #expect(UpstreamURL.percentEncoded("AZaz09-._~") == "AZaz09-._~")
        #expect(UpstreamURL.percentEncoded("a b&c=d/e?f#g%h+é") == "a%20b%26c%3Dd%2Fe%3Ff%23g%25h%2B%C3%A9")
        #expect(UpstreamURL.percentEncoded("") == "")
        #expect(UpstreamURL.percentEncoded("a/é", uppercase: false) == "a%2f%c3%a9")
        #expect(UpstreamURL.spellings(of: "a b/c") == ["a b/c", "a%20b%2Fc", "a%20b%2fc", "a+b%2Fc"])
        // A dot segment would move the request elsewhere; dots within a value are fine.
        #expect(throws: UpstreamURL.UnusableCredential.self) { try UpstreamURL.credentialValue("k", "..") }
        #expect(throws: UpstreamURL.UnusableCredential.self) { try UpstreamURL.credentialValue("k", ".") }
        #expect(try UpstreamURL.credentialValue("k", "a..b") == "a..b")
        #expect("\(UpstreamURL.UnusableCredential(name: "k"))".contains("\"k\""))
    }

    @Test("url must be a string")
    func urlType() throws {
        #expect(try issues(#"{"transport": "http", "url": ["http://h"]}"#) == ["$.url: must be a string (got array)"])
    }

    @Test("headers go through HeaderTemplate: token names, reserved names, control bytes, references, case-insensitive duplicates")
    func headers() throws {
        #expect(try issues(#"{"transport": "http", "url": "http://h", "headers": {"Host": "x", "Bad Name": "x", "A": "x\r\nB: y", "C": "${credential:}", "D": ""}}"#) == [
            "$.headers.Host: header Host cannot be overridden (it belongs to the HTTP or MCP transport)",
            "$.headers[\"Bad Name\"]: header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            "$.headers.A: header value must not contain control characters (CR, LF, NUL, …)",
            "$.headers.C: references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${credential:})",
            "$.headers.D: header value must not be empty",
        ])
        #expect(try issues(#"{"transport": "http", "url": "http://h", "headers": {"X-Key": "a", "x-key": "b"}}"#) == [
            "$.headers[\"x-key\"]: duplicates an earlier header (header names are case-insensitive)",
        ])
        #expect(try issues(#"{"transport": "http", "url": "http://h", "headers": "Authorization: x"}"#) == ["$.headers: must be an object (got string)"])
    }

    @Test("common fields: name, description, default_allowed_tools, timeout_s, enabled, sharing")
    func commonFields() throws {
        let base = #""transport": "stdio", "command": "x""#
        #expect(try issues("{\(base), \"name\": \"\(String(repeating: "n", count: 65))\"}") == ["$.name: must be at most 64 characters (got 65)"])
        #expect(try issues("{\(base), \"description\": \"\(String(repeating: "d", count: 1025))\"}") == ["$.description: must be at most 1024 characters (got 1025)"])
        #expect(try parse("{\(base), \"description\": \"\(String(repeating: "d", count: 1024))\"}").description?.count == 1024)
        #expect(try issues("{\(base), \"timeout_s\": 0}") == ["$.timeout_s: must be between 1 and 300 (got 0)"])
        #expect(try issues("{\(base), \"timeout_s\": 301}") == ["$.timeout_s: must be between 1 and 300 (got 301)"])
        #expect(try issues("{\(base), \"timeout_s\": \"30\"}") == ["$.timeout_s: must be an integer (got string)"])
        #expect(try issues("{\(base), \"timeout_s\": 2.5}") == ["$.timeout_s: must be an integer (got number)"])
        #expect(try parse("{\(base), \"timeout_s\": 1}").timeoutSeconds == 1)
        #expect(try parse("{\(base), \"timeout_s\": 300}").timeoutSeconds == 300)
        #expect(try issues("{\(base), \"enabled\": \"yes\"}") == ["$.enabled: must be true or false (got string)"])
        #expect(try issues("{\(base), \"sharing\": \"global\"}") == [#"$.sharing: must be one of shared, per_agent, per_session (got "global")"#])
        #expect(try issues("{\(base), \"default_allowed_tools\": [\"a\", \"a\", 1]}") == [
            #"$.default_allowed_tools[1]: duplicates an earlier item "a""#, "$.default_allowed_tools[2]: must be a string (got number)",
        ])
        // null counts as absent, so the default applies.
        #expect(try parse("{\(base), \"timeout_s\": null, \"enabled\": null}").timeoutSeconds == 30)
    }

    @Test("every issue of a document is reported at once, under the given base path")
    func collectsAllIssuesWithBasePath() throws {
        #expect(try issues(#"{"transport": "http", "url": "http://u:p@h", "timeout_s": 0, "command": "x", "extra": 1}"#, path: "$.servers[2]") == [
            "$.servers[2].url: must not contain credentials (user:pass@); put credentials in headers with ${credential:NAME}",
            "$.servers[2].command: only for stdio transport",
            "$.servers[2].timeout_s: must be between 1 and 300 (got 0)",
            "$.servers[2].extra: unknown field",
        ])
        // The issue-collecting form adds to a shared list and returns nil.
        let shared = ValidationIssues()
        shared.add("$.other", "earlier problem")
        #expect(UpstreamServerSpec.parse(try JSONParser.parse(#"{"transport": "stdio"}"#), path: "$.s", issues: shared) == nil)
        #expect(shared.all.map(\.description) == ["$.other: earlier problem", "$.s.command: is required"])
        let clean = ValidationIssues()
        #expect(UpstreamServerSpec.parse(try JSONParser.parse(#"{"transport": "stdio", "command": "x"}"#), path: "$", issues: clean) != nil)
        #expect(clean.isEmpty)
    }
}
