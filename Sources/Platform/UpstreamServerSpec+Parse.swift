// UpstreamServerSpec+Parse: strict reading of an upstream server spec with SpecReader. Every
// problem is collected with its JSON path before anything throws; a field that belongs to the
// other transport is named as such ("only for http transport") rather than as merely unknown, and
// unknown fields are errors. When `transport` itself is missing or wrong, the fields of both
// transports are still checked so one run shows every mistake.

import JSON

extension UpstreamServerSpec {
    static let stdioFields = ["command", "args", "env", "cwd", "startup_timeout_s"]
    static let httpFields = ["url", "headers"]
    static let maxArgs = 256
    static let maxArgLength = 4096
    static let maxEnvEntries = 256
    static let maxEnvValueBytes = 8192
    static let maxHeaders = 64

    /// Parses `json`; throws `PlatformError.invalid` listing every issue.
    public static func parse(_ json: JSONValue, path: String = "$") throws(PlatformError) -> UpstreamServerSpec {
        let issues = ValidationIssues()
        let spec = parse(json, path: path, issues: issues)
        try issues.throwIfAny()
        guard let spec else { throw .invalid(path, "is not a valid upstream server spec") }
        return spec
    }

    /// Parses `json` at `path`, adding problems to `issues` (for specs embedded in a larger
    /// document such as a manifest). Returns nil when this spec had any issue.
    public static func parse(_ json: JSONValue, path: String, issues: ValidationIssues) -> UpstreamServerSpec? {
        let before = issues.all.count
        let reader = SpecReader(json, path: path, issues: issues)
        let name = reader.string("name", maxLength: 64)
        let description = reader.string("description", maxLength: 1024)
        let transportName = reader.choice("transport", required: true, ["stdio", "http", "sse"])

        let transport: Transport?
        switch transportName {
        case "stdio":
            transport = parseStdio(reader, required: true).map(Transport.stdio)
            rejectFields(httpFields, in: reader, reason: "only for http and sse transports")
        case "http", "sse":
            transport = parseHTTP(reader, required: true).map { endpoint in
                var endpoint = endpoint
                endpoint.isLegacySSE = transportName == "sse"
                return Transport.http(endpoint)
            }
            rejectFields(stdioFields, in: reader, reason: "only for stdio transport")
        default:
            // Transport unknown: still check both sets of fields so every mistake is reported.
            transport = nil
            _ = parseStdio(reader, required: false)
            _ = parseHTTP(reader, required: false)
        }

        let tools = reader.strings("default_allowed_tools", maxCount: 256, maxLength: 256)?.map(ToolPattern.init) ?? []
        let timeout = reader.integer("timeout_s", range: timeoutRange).map { Int($0) } ?? defaultTimeoutSeconds
        let startup = reader.integer("startup_timeout_s", range: startupTimeoutRange).map { Int($0) } ?? defaultStartupTimeoutSeconds
        let enabled = reader.bool("enabled") ?? true
        let sharing = reader.choice("sharing", Sharing.allCases.map(\.rawValue)).flatMap(Sharing.init(rawValue:)) ?? .shared
        reader.finish()

        guard issues.all.count == before, let transport else { return nil }
        return UpstreamServerSpec(
            name: name, description: description, transport: transport, defaultAllowedTools: tools,
            timeoutSeconds: timeout, startupTimeoutSeconds: startup, enabled: enabled, sharing: sharing)
    }

    private static func rejectFields(_ fields: [String], in reader: SpecReader, reason: String) {
        for field in fields where reader.value(field) != nil {
            reader.issues.add(reader.path(field), reason)
        }
    }

    // MARK: - stdio

    private static func parseStdio(_ reader: SpecReader, required: Bool) -> StdioLaunch? {
        let issues = reader.issues
        let command = reader.string("command", required: required, maxLength: 4096)
        let args = reader.array("args", maxCount: maxArgs) { item, itemPath -> String? in
            guard case .string(let text) = item else {
                issues.add(itemPath, "must be a string (got \(item.typeName))")
                return nil
            }
            if text.isEmpty { return text }
            return SpecReader.check(text, at: itemPath, maxLength: maxArgLength, allowControl: false, issues: issues)
        } ?? []
        var env: [EnvironmentVariable] = []
        for (key, value) in reader.stringMap("env", maxCount: maxEnvEntries, maxValueLength: maxEnvValueBytes) ?? [] {
            let memberPath = SpecReader.path(reader.path("env"), key)
            guard EnvironmentVariable.isValidName(key) else {
                issues.add(memberPath, "environment variable names must match [A-Za-z_][A-Za-z0-9_]* and be at most \(EnvironmentVariable.maxNameLength) characters")
                continue
            }
            if let template = CredentialTemplate.parse(value, path: memberPath, issues: issues) {
                env.append(EnvironmentVariable(name: key, value: template))
            }
        }
        let cwd = reader.string("cwd", maxLength: 4096)
        if let cwd, !cwd.hasPrefix("/") {
            issues.add(reader.path("cwd"), "must be an absolute path (starting with /)")
        }
        guard let command else { return nil }
        return StdioLaunch(command: command, args: args, env: env, cwd: cwd)
    }

    // MARK: - http

    private static func parseHTTP(_ reader: SpecReader, required: Bool) -> HTTPEndpoint? {
        let issues = reader.issues
        var url: String?
        if let value = reader.value("url", required: required) {
            if case .string(let text) = value {
                if let problem = UpstreamURL.templateProblem(text) {
                    issues.add(reader.path("url"), problem)
                } else {
                    url = text
                }
            } else {
                issues.add(reader.path("url"), "must be a string (got \(value.typeName))")
            }
        }
        var headers: [HeaderTemplate] = []
        var seen: Set<String> = []
        for (name, value) in reader.stringMap("headers", maxCount: maxHeaders) ?? [] {
            let memberPath = SpecReader.path(reader.path("headers"), name)
            guard let header = HeaderTemplate.parse(name: name, value: value, path: memberPath, issues: issues) else { continue }
            guard seen.insert(name.lowercased()).inserted else {
                issues.add(memberPath, "duplicates an earlier header (header names are case-insensitive)")
                continue
            }
            headers.append(header)
        }
        guard let url else { return nil }
        return HTTPEndpoint(url: url, headers: headers)
    }
}
