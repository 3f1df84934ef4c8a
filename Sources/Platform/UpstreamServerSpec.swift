// UpstreamServerSpec: the configuration of one upstream MCP server as an admin writes it (CLI
// `--json`, manifest, REST body): a stdio program or an http endpoint plus the defaults every
// binding inherits (allow-list, timeout), whether it is enabled, and how connections are shared.
// `parse` (UpstreamServerSpec+Parse.swift) is strict and path-aware; `json` is the canonical form
// stored in `upstream_servers.config` (defaults written out, fixed member order), and
// `parse(spec.json) == spec` always holds.

import JSON

/// A validated upstream server configuration.
public struct UpstreamServerSpec: Sendable, Hashable {
    /// How the platform talks to the server.
    public enum Transport: Sendable, Hashable {
        case stdio(StdioLaunch)
        case http(HTTPEndpoint)

        /// `stdio`, `http` or `sse`, as written in the spec.
        public var name: String {
            switch self {
            case .stdio: "stdio"
            case .http(let endpoint): endpoint.isLegacySSE ? "sse" : "http"
            }
        }
    }

    /// Which callers share one upstream connection (and so its state).
    public enum Sharing: String, Sendable, Hashable, CaseIterable {
        /// One connection for the whole workspace.
        case shared
        /// One connection per agent.
        case perAgent = "per_agent"
        /// One connection per session.
        case perSession = "per_session"
    }

    /// Default binding timeout when the spec gives none.
    public static let defaultTimeoutSeconds = 30
    /// Accepted `timeout_s` values.
    public static let timeoutRange: ClosedRange<Int64> = 1...300
    /// Default `startup_timeout_s` (stdio): a cold interpreter (Python, `npx` fetching a package)
    /// on a loaded machine takes seconds to answer its first request; and a listing that waits
    /// for it must still answer within the 60 s most clients give a request.
    public static let defaultStartupTimeoutSeconds = 30
    /// Accepted `startup_timeout_s` values.
    public static let startupTimeoutRange: ClosedRange<Int64> = 1...600

    /// Optional display name (1–64 characters).
    public var name: String?
    /// Optional description (at most 1024 characters).
    public var description: String?
    public var transport: Transport
    /// Tools every binding allows unless it says otherwise (empty: deny all by default).
    public var defaultAllowedTools: [ToolPattern]
    /// Default per-call timeout in seconds (1…300).
    public var timeoutSeconds: Int
    /// How long each phase of a stdio server's (re)start may take (negotiation, first listing,
    /// listen; 1…600), and how long a call or listing that finds the server not yet past its
    /// handshake waits for it, or its own timeout when that is longer: a cold start is not the
    /// tool's time. (Once the handshake is answered, or when the last start failed, a call gets
    /// its own timeout only.) Meaningless for http servers, which are already running.
    public var startupTimeoutSeconds: Int
    public var enabled: Bool
    public var sharing: Sharing

    public init(
        name: String? = nil, description: String? = nil, transport: Transport, defaultAllowedTools: [ToolPattern] = [],
        timeoutSeconds: Int = UpstreamServerSpec.defaultTimeoutSeconds,
        startupTimeoutSeconds: Int = UpstreamServerSpec.defaultStartupTimeoutSeconds, enabled: Bool = true, sharing: Sharing = .shared
    ) {
        self.name = name
        self.description = description
        self.transport = transport
        self.defaultAllowedTools = defaultAllowedTools
        self.timeoutSeconds = timeoutSeconds
        self.startupTimeoutSeconds = startupTimeoutSeconds
        self.enabled = enabled
        self.sharing = sharing
    }

    /// Every credential the spec references (env values or headers), in order of first use.
    public var credentialNames: [String] {
        switch transport {
        case .stdio(let stdio): stdio.credentialNames
        case .http(let http): http.credentialNames
        }
    }

    /// The canonical JSON form: fixed member order, defaults written out, empty optional
    /// collections and absent optional strings omitted.
    public var json: JSONValue {
        var object = JSONObject()
        if let name { object["name"] = .string(name) }
        if let description { object["description"] = .string(description) }
        object["transport"] = .string(transport.name)
        switch transport {
        case .stdio(let stdio):
            object["command"] = .string(stdio.command)
            if !stdio.args.isEmpty { object["args"] = .array(stdio.args.map(JSONValue.string)) }
            if !stdio.env.isEmpty {
                object["env"] = .object(JSONObject(stdio.env.map { ($0.name, JSONValue.string($0.value.text)) }))
            }
            if let cwd = stdio.cwd { object["cwd"] = .string(cwd) }
        case .http(let http):
            object["url"] = .string(http.url)
            if !http.headers.isEmpty {
                object["headers"] = .object(JSONObject(http.headers.map { ($0.name, JSONValue.string($0.valueTemplate)) }))
            }
        }
        object["default_allowed_tools"] = .array(defaultAllowedTools.map { .string($0.text) })
        object["timeout_s"] = .int(Int64(timeoutSeconds))
        if case .stdio = transport { object["startup_timeout_s"] = .int(Int64(startupTimeoutSeconds)) }
        object["enabled"] = .bool(enabled)
        object["sharing"] = .string(sharing.rawValue)
        return .object(object)
    }
}
