// AgentSpec: the complete, versioned configuration of an agent — what a manifest, the CLI's
// `--json` or an MCP tool hands the platform, and what each row of `agent_versions` keeps. Parsing
// is strict (unknown fields are errors, every issue of the document is reported at once with its
// JSON path) and the canonical form writes every default out, so two versions compare by value and
// `AgentSpec.parse(spec.json) == spec`. References to other objects (upstream servers,
// sub-agents) are only syntax-checked here; `AgentStore` checks they exist.

import JSON

/// The versioned configuration of an agent.
public struct AgentSpec: Sendable, Hashable {
    /// Longest `name`, in characters.
    public static let maxNameLength = 64
    /// Longest `description`, in characters.
    public static let maxDescriptionLength = 1024
    /// Longest `instructions`, in characters.
    public static let maxInstructionsLength = 65536
    /// Longest model name after `provider/`, in characters.
    public static let maxModelNameLength = 128
    /// Most `tags`.
    public static let maxTags = 32
    /// Allowed range and default of `max_steps`.
    public static let maxStepsRange: ClosedRange<Int64> = 1...100
    public static let defaultMaxSteps = 10
    /// Allowed range and default of `history.runs`.
    public static let historyRunsRange: ClosedRange<Int64> = 0...50
    public static let defaultHistoryRuns = 5
    /// Most `bindings`.
    public static let maxBindings = 32
    /// Most `sub_agents`.
    public static let maxSubAgents = 16

    /// Display name (1–64 characters, no control characters).
    public let name: String
    /// What the agent is for (may span lines), or nil.
    public let description: String?
    /// The prompt template source.
    public let instructions: String
    /// `instructions`, parsed.
    public let template: PromptTemplate
    /// `provider/model` as written.
    public let model: String
    /// The provider slug (before the first `/`).
    public let provider: String
    /// The provider's model name (after the first `/`).
    public let modelName: String
    /// Pinned model parameters.
    public let settings: AgentSettings
    /// Slugs for grouping and search.
    public let tags: [String]
    /// Most model ↔ tool round trips in one run.
    public let maxSteps: Int
    /// How many earlier runs of the session are included as history.
    public let historyRuns: Int
    /// Upstream bindings, at most one per server (as written; `inheritingServerDefaults` gives
    /// the enforced ones).
    public internal(set) var bindings: [BindingSpec]
    /// Agent ids this agent may delegate to.
    public let subAgents: [String]
    /// Whether the agent gets its own MCP tool.
    public let visibility: AgentVisibility
    /// Canned replies for the offline `scripted` model, or nil.
    public let script: AgentScript?

    /// The distinct `{{variable}}` names of the instructions, in order of first use.
    public var variables: [String] { template.variables }

    /// Every credential referenced by any binding's headers, distinct, in order.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return bindings.flatMap(\.credentialNames).filter { seen.insert($0).inserted }
    }

    /// The binding for upstream `server`, or nil.
    public func binding(for server: String) -> BindingSpec? { bindings.first { $0.server == server } }

    // MARK: - Parsing

    /// Parses and validates a whole spec; throws `.invalid` with every issue found.
    public static func parse(_ json: JSONValue, path: String = "$") throws(PlatformError) -> AgentSpec {
        let issues = ValidationIssues()
        let spec = parse(json, path: path, issues: issues)
        try issues.throwIfAny()
        guard let spec else { throw .invalid(path, "is not a valid agent spec") }
        return spec
    }

    /// Parses a spec inside a larger document (e.g. a manifest), adding issues to `issues`; nil
    /// when this spec had any.
    public static func parse(_ json: JSONValue, path: String, issues: ValidationIssues) -> AgentSpec? {
        let before = issues.all.count
        let reader = SpecReader(json, path: path, issues: issues)

        let name = reader.string("name", required: true, maxLength: maxNameLength)
        let description = multilineText(reader, "description", required: false, maxLength: maxDescriptionLength)
        let instructions = multilineText(reader, "instructions", required: true, maxLength: maxInstructionsLength)
        let template = instructions.flatMap { PromptTemplate.parse($0, path: reader.path("instructions"), issues: issues) }
        let model = readModel(reader)
        let settings = reader.object("settings").map(AgentSettings.read) ?? .providerDefaults
        let tags = slugList(reader, "tags", maxCount: maxTags)
        let maxSteps = reader.integer("max_steps", range: maxStepsRange).map { Int($0) } ?? defaultMaxSteps
        var historyRuns = defaultHistoryRuns
        if let history = reader.object("history") {
            historyRuns = history.integer("runs", range: historyRunsRange).map { Int($0) } ?? defaultHistoryRuns
            history.finish()
        }
        let bindings = readBindings(reader)
        let subAgents = slugList(reader, "sub_agents", maxCount: maxSubAgents)
        let visibility = reader.choice("visibility", AgentVisibility.spellings).flatMap(AgentVisibility.init(rawValue:)) ?? .private
        let script = reader.object("script").map(AgentScript.read)
        reader.finish()

        guard issues.all.count == before, let name, let instructions, let template, let model else { return nil }
        return AgentSpec(
            name: name, description: description, instructions: instructions, template: template,
            model: model.full, provider: model.provider, modelName: model.name, settings: settings, tags: tags,
            maxSteps: maxSteps, historyRuns: historyRuns, bindings: bindings, subAgents: subAgents, visibility: visibility,
            script: script)
    }

    /// Text that may span lines: tab, CR and LF are allowed, other control characters are not.
    static func multilineText(_ reader: SpecReader, _ key: String, required: Bool, maxLength: Int) -> String? {
        guard let text = reader.string(key, required: required, maxLength: maxLength, allowControl: true) else { return nil }
        for scalar in text.unicodeScalars where scalar != "\t" && scalar != "\n" && scalar != "\r" {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator:
                reader.issues.add(reader.path(key), "must not contain control characters other than tab and line breaks")
                return nil
            default: continue
            }
        }
        return text
    }

    /// `provider/model`: a provider slug, `/`, then 1–128 visible characters.
    private static func readModel(_ reader: SpecReader) -> (full: String, provider: String, name: String)? {
        let path = reader.path("model")
        guard let text = reader.string("model", required: true, maxLength: 64 + 1 + maxModelNameLength) else { return nil }
        let quoted = JSONWriter.string(.string(text))
        guard let slash = text.firstIndex(of: "/") else {
            reader.issues.add(path, "must be \"provider/model\", e.g. \"anthropic/claude-sonnet-4\" (got \(quoted))")
            return nil
        }
        let provider = String(text[..<slash])
        let name = String(text[text.index(after: slash)...])
        var ok = true
        if !Identifier.isSlug(provider) {
            reader.issues.add(path, "provider must be 1–64 of A–Z a–z 0–9 _ - (got \(quoted))")
            ok = false
        }
        if name.isEmpty || name.count > maxModelNameLength || !name.unicodeScalars.allSatisfy(isVisible) {
            reader.issues.add(path, "model name after \"/\" must be 1–\(maxModelNameLength) visible characters without spaces (got \(quoted))")
            ok = false
        }
        return ok ? (text, provider, name) : nil
    }

    private static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .surrogate, .unassigned, .privateUse:
            return false
        default:
            return true
        }
    }

    /// An array of distinct slugs, each issue at its element's path.
    private static func slugList(_ reader: SpecReader, _ key: String, maxCount: Int) -> [String] {
        var seen: Set<String> = []
        let issues = reader.issues
        return reader.array(key, maxCount: maxCount) { item, itemPath -> String? in
            guard case .string(let text) = item else {
                issues.add(itemPath, "must be a string (got \(item.typeName))")
                return nil
            }
            guard Identifier.isSlug(text) else {
                issues.add(itemPath, "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(text))))")
                return nil
            }
            guard seen.insert(text).inserted else {
                issues.add(itemPath, "duplicates an earlier item \(JSONWriter.string(.string(text)))")
                return nil
            }
            return text
        } ?? []
    }

    /// The bindings, each server at most once.
    private static func readBindings(_ reader: SpecReader) -> [BindingSpec] {
        let issues = reader.issues
        let parsed = reader.array("bindings", maxCount: maxBindings) { item, itemPath -> (BindingSpec, String)? in
            BindingSpec.read(SpecReader(item, path: itemPath, issues: issues)).map { ($0, itemPath) }
        } ?? []
        var firstPath: [String: String] = [:]
        var bindings: [BindingSpec] = []
        for (binding, itemPath) in parsed {
            if let first = firstPath[binding.server] {
                issues.add(SpecReader.path(itemPath, "server"), "server \(JSONWriter.string(.string(binding.server))) is already bound at \(first)")
                continue
            }
            firstPath[binding.server] = itemPath
            bindings.append(binding)
        }
        // An exposed tool name must be unambiguous across the agent's bindings: two aliases
        // alike would make one of the tools unreachable, so refuse them now, not at call time.
        var aliasOwner: [String: String] = [:]
        for (binding, itemPath) in parsed where firstPath[binding.server] == itemPath {
            for (tool, override) in binding.tools.sorted(by: { $0.key < $1.key }) {
                guard let alias = override.alias else { continue }
                let here = "\(binding.server)/\(tool)"
                if let owner = aliasOwner[alias], !owner.hasPrefix(binding.server + "/") {
                    issues.add(SpecReader.path(SpecReader.path(SpecReader.path(itemPath, "tools"), tool), "alias"),
                               "alias \(JSONWriter.string(.string(alias))) is already used for \(owner)")
                } else {
                    aliasOwner[alias] = here
                }
            }
        }
        return bindings
    }

    // MARK: - Canonical form

    /// Canonical JSON (snake_case keys, every default written out, fixed key order), as stored in
    /// `agent_versions.config`.
    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        if let description { object["description"] = .string(description) }
        object["instructions"] = .string(instructions)
        object["model"] = .string(model)
        object["settings"] = settings.json
        object["tags"] = .array(tags.map(JSONValue.string))
        object["max_steps"] = .int(Int64(maxSteps))
        object["history"] = .object(["runs": .int(Int64(historyRuns))])
        object["bindings"] = .array(bindings.map(\.json))
        object["sub_agents"] = .array(subAgents.map(JSONValue.string))
        object["visibility"] = .string(visibility.rawValue)
        if let script { object["script"] = script.json }
        return .object(object)
    }

    /// The canonical JSON as compact text.
    public var canonicalText: String { JSONWriter.string(json) }
}
