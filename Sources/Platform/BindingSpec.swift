// BindingSpec: how one agent may use one upstream MCP server — which tools, prompts and resources
// (allow-lists of exact names — URIs for resources — and globs; empty means none: default deny), which headers to add to its requests (values
// may reference credentials as `${credential:NAME}`), how long a call may take and whether calls
// run at once or wait for approval, with per-tool exceptions and aliases. The runtime asks the
// binding, never the raw JSON, so every consumer applies the same defaults.
//
// `allowed_tools` and `timeout_s` may be left out, and then come from the bound server's
// `default_allowed_tools` and `timeout_s` (`inheriting(from:)`, BindingSpec+ServerDefaults.swift).
// Precedence, most specific first: a per-tool `timeout_s`, the binding's own value, the server's
// default. An `allowed_tools` the binding writes — even `[]` — replaces the server's list; only a
// binding without one inherits it. The canonical form keeps what was left out left out, so a
// later change to the server reaches the binding.

import JSON

/// One agent → upstream server binding.
public struct BindingSpec: Sendable, Hashable {
    /// Allowed range of `timeout_s` (binding and per-tool).
    public static let timeoutRange: ClosedRange<Int64> = 1...300
    /// Most entries in `allowed_tools`.
    public static let maxAllowedTools = 256
    /// Longest `allowed_tools` entry or `tools` key, in characters.
    public static let maxToolNameLength = 128
    /// Most entries in `allowed_prompts` / `allowed_resources`.
    public static let maxAllowedPrompts = 256
    /// Longest `allowed_resources` entry (a URI or URI glob).
    public static let maxResourcePatternLength = 2048
    /// Most entries in `override_headers`.
    public static let maxHeaders = 64
    /// Most entries in `tools`.
    public static let maxToolOverrides = 256

    /// The upstream server id (a slug).
    public let server: String
    /// Exact names and globs; empty allows nothing. When `inheritsAllowedTools`, this is the
    /// server's `default_allowed_tools` once `inheriting(from:)` has filled it in (empty before).
    public internal(set) var allowedTools: [ToolPattern]
    /// Whether the spec left `allowed_tools` out, so the server's `default_allowed_tools` apply.
    public let inheritsAllowedTools: Bool
    /// Upstream prompt names and globs the agent exposes; empty exposes none.
    public let allowedPrompts: [ToolPattern]
    /// Upstream resource URIs and globs (also matched against resource templates' URI
    /// templates) the agent exposes; empty exposes none.
    public let allowedResources: [ToolPattern]
    /// Headers added to requests to the server, sorted by case-insensitive name.
    public let overrideHeaders: [HeaderTemplate]
    /// Default timeout of a call, in seconds. When `inheritsTimeout`, this is the server's
    /// `timeout_s` once `inheriting(from:)` has filled it in (the server default before).
    public internal(set) var timeoutSeconds: Int
    /// Whether the spec left `timeout_s` out, so the server's `timeout_s` applies.
    public let inheritsTimeout: Bool
    /// Default run behavior of a call.
    public let runBehavior: RunBehavior
    /// Per-tool overrides, by upstream tool name.
    public let tools: [String: ToolOverride]

    /// `allowedTools` / `timeoutSeconds` nil: left out, inherited from the server.
    init(
        server: String, allowedTools: [ToolPattern]?, allowedPrompts: [ToolPattern] = [], allowedResources: [ToolPattern] = [],
        overrideHeaders: [HeaderTemplate], timeoutSeconds: Int?, runBehavior: RunBehavior, tools: [String: ToolOverride]
    ) {
        self.server = server
        self.allowedTools = allowedTools ?? []
        self.inheritsAllowedTools = allowedTools == nil
        self.allowedPrompts = allowedPrompts
        self.allowedResources = allowedResources
        self.overrideHeaders = overrideHeaders
        self.timeoutSeconds = timeoutSeconds ?? UpstreamServerSpec.defaultTimeoutSeconds
        self.inheritsTimeout = timeoutSeconds == nil
        self.runBehavior = runBehavior
        self.tools = tools
    }

    // MARK: - Decisions

    /// Whether the agent may call upstream tool `tool` (default deny: only names matched by an
    /// `allowed_tools` entry).
    public func allows(tool: String) -> Bool { ToolPattern.allows(allowedTools, tool) }

    /// Whether the agent exposes upstream prompt `prompt` (default deny).
    public func allows(prompt: String) -> Bool { ToolPattern.allows(allowedPrompts, prompt) }

    /// Whether the agent exposes the upstream resource (or resource template) `uri` (default deny).
    public func allows(resource uri: String) -> Bool { ToolPattern.allows(allowedResources, uri) }

    /// The run behavior of `tool`: its override, else the binding's.
    public func runBehavior(for tool: String) -> RunBehavior { tools[tool]?.runBehavior ?? runBehavior }

    /// The timeout of `tool` in seconds: its override, else the binding's.
    public func timeoutSeconds(for tool: String) -> Int { tools[tool]?.timeoutSeconds ?? timeoutSeconds }

    /// The alias the model sees for `tool`, or nil when it keeps its upstream name.
    public func alias(for tool: String) -> String? { tools[tool]?.alias }

    /// The upstream tool whose alias is `alias`, or nil.
    public func toolName(forAlias alias: String) -> String? {
        tools.first { $0.value.alias == alias }?.key
    }

    /// The credentials referenced by `override_headers`, distinct, in header order.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return overrideHeaders.flatMap(\.credentialNames).filter { seen.insert($0).inserted }
    }

    // MARK: - Parsing

    /// Parses a binding on its own (e.g. an MCP tool's arguments); throws every issue.
    public static func parse(_ json: JSONValue, path: String = "$") throws(PlatformError) -> BindingSpec {
        let issues = ValidationIssues()
        let binding = parse(json, path: path, issues: issues)
        try issues.throwIfAny()
        guard let binding else { throw .invalid(path, "is not a valid binding") }
        return binding
    }

    /// Parses a binding inside a larger document, adding issues to `issues`; nil when this
    /// binding had any.
    public static func parse(_ json: JSONValue, path: String, issues: ValidationIssues) -> BindingSpec? {
        let before = issues.all.count
        let binding = read(SpecReader(json, path: path, issues: issues))
        return issues.all.count == before ? binding : nil
    }

    /// Reads every field (recording issues); nil only when `server` is unusable. Fields with
    /// issues fall back to their defaults, so the caller can still check cross-binding rules.
    static func read(_ reader: SpecReader) -> BindingSpec? {
        let issues = reader.issues
        let server = reader.slug("server", required: true)
        let allowed = reader.strings("allowed_tools", maxCount: maxAllowedTools, maxLength: maxToolNameLength)
        let prompts = reader.strings("allowed_prompts", maxCount: maxAllowedPrompts, maxLength: maxToolNameLength) ?? []
        let resources = reader.strings("allowed_resources", maxCount: maxAllowedPrompts, maxLength: maxResourcePatternLength) ?? []
        let headers = readHeaders(reader)
        let timeout = reader.integer("timeout_s", range: timeoutRange).map { Int($0) }
        let behavior = reader.choice("run_behavior", RunBehavior.spellings).flatMap(RunBehavior.init(rawValue:)) ?? .autoRun
        var tools: [String: ToolOverride] = [:]
        if let toolsReader = reader.object("tools") {
            var aliasOwners: [String: String] = [:]
            let names = toolsReader.keys
            if names.count > maxToolOverrides {
                issues.add(toolsReader.path, "must have at most \(maxToolOverrides) entries (got \(names.count))")
            } else {
                for name in names {
                    guard let value = toolsReader.value(name) else { continue }  // null: no override
                    let toolPath = toolsReader.path(name)
                    let validName = SpecReader.check(name, at: toolPath, maxLength: maxToolNameLength, allowControl: false, issues: issues) != nil
                    let override = ToolOverride.read(SpecReader(value, path: toolPath, issues: issues))
                    if let alias = override.alias {
                        if let owner = aliasOwners[alias] {
                            issues.add(SpecReader.path(toolPath, "alias"), "duplicates the alias of tool \(JSONWriter.string(.string(owner)))")
                        } else {
                            aliasOwners[alias] = name
                        }
                    }
                    if validName { tools[name] = override }
                }
            }
        }
        reader.finish()
        guard let server else { return nil }
        return BindingSpec(
            server: server, allowedTools: allowed.map { $0.map(ToolPattern.init) }, allowedPrompts: prompts.map(ToolPattern.init),
            allowedResources: resources.map(ToolPattern.init), overrideHeaders: headers,
            timeoutSeconds: timeout, runBehavior: behavior, tools: tools)
    }

    private static func readHeaders(_ reader: SpecReader) -> [HeaderTemplate] {
        guard let pairs = reader.stringMap("override_headers", maxCount: maxHeaders) else { return [] }
        let base = reader.path("override_headers")
        var headers: [HeaderTemplate] = []
        var seen: [String: String] = [:]
        for (name, value) in pairs {
            let headerPath = SpecReader.path(base, name)
            guard let header = HeaderTemplate.parse(name: name, value: value, path: headerPath, issues: reader.issues) else { continue }
            let key = name.lowercased()
            if let first = seen[key] {
                reader.issues.add(headerPath, "duplicates header \(first) (header names are case-insensitive)")
                continue
            }
            seen[key] = name
            headers.append(header)
        }
        return headers.sorted { ($0.name.lowercased(), $0.name) < ($1.name.lowercased(), $1.name) }
    }

    // MARK: - Canonical form

    /// Canonical JSON with every default written out and maps sorted by key — except
    /// `allowed_tools` and `timeout_s` when they are inherited from the server, which stay out.
    public var json: JSONValue {
        var headers = JSONObject()
        for header in overrideHeaders { headers[header.name] = .string(header.valueTemplate) }
        var toolObject = JSONObject()
        for name in tools.keys.sorted() { toolObject[name] = tools[name]!.json }
        var object: JSONObject = ["server": .string(server)]
        if !inheritsAllowedTools { object["allowed_tools"] = .array(allowedTools.map { .string($0.text) }) }
        // Written only when set, so versions stored before these fields existed stay canonical.
        if !allowedPrompts.isEmpty { object["allowed_prompts"] = .array(allowedPrompts.map { .string($0.text) }) }
        if !allowedResources.isEmpty { object["allowed_resources"] = .array(allowedResources.map { .string($0.text) }) }
        object["override_headers"] = .object(headers)
        if !inheritsTimeout { object["timeout_s"] = .int(Int64(timeoutSeconds)) }
        object["run_behavior"] = .string(runBehavior.rawValue)
        object["tools"] = .object(toolObject)
        return .object(object)
    }
}
