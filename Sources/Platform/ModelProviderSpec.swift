// ModelProviderSpec: how to reach one model API. An agent's `model` is `provider/model`, where
// `provider` is the id of one of these (or the built-in `scripted`). The API key is only ever a
// reference — an environment variable name or a vault credential — so a manifest or a database
// copy never holds it.

import JSON

/// The wire protocol a provider speaks.
public enum ModelProviderKind: String, Sendable, Hashable, CaseIterable {
    /// Anthropic Messages API.
    case anthropic
    /// OpenAI Chat Completions and compatible servers (Ollama, vLLM, LM Studio, OpenRouter).
    case openai
    /// Deterministic and offline: rules in the agent config, `/call` lines in the input.
    case scripted
}

/// A validated model provider configuration.
public struct ModelProviderSpec: Sendable, Hashable {
    public var kind: ModelProviderKind
    /// Base URL of the API (http or https), nil for the kind's public default.
    public var baseURL: String?
    /// Environment variable holding the API key, if any.
    public var apiKeyEnv: String?
    /// Vault credential holding the API key, if any.
    public var apiKeyCredential: String?
    /// Seconds before a request is abandoned.
    public var timeoutSeconds: Int
    /// Retries for 429/5xx answers, with backoff.
    public var maxRetries: Int

    public init(kind: ModelProviderKind, baseURL: String? = nil, apiKeyEnv: String? = nil, apiKeyCredential: String? = nil, timeoutSeconds: Int = 120, maxRetries: Int = 2) {
        self.kind = kind
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.apiKeyCredential = apiKeyCredential
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
    }

    /// Parses and validates `json`; every problem is reported with its path.
    public static func parse(_ json: JSONValue, path: String = "$") throws(PlatformError) -> ModelProviderSpec {
        let issues = ValidationIssues()
        let reader = SpecReader(json, path: path, issues: issues)
        let kindText = reader.choice("kind", required: true, ModelProviderKind.allCases.map(\.rawValue))
        let baseURL = reader.string("base_url", maxLength: 2048)
        if let baseURL, let problem = UpstreamURL.problem(baseURL) { issues.add(reader.path("base_url"), problem) }
        let env = reader.string("api_key_env", maxLength: 128)
        if let env, !Self.isEnvironmentName(env) {
            issues.add(reader.path("api_key_env"), "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
        }
        let credential = reader.slug("api_key_credential")
        if env != nil && credential != nil {
            issues.add(reader.path("api_key_credential"), "give either api_key_env or api_key_credential, not both")
        }
        let timeout = reader.integer("timeout_s", range: 1...600)
        let retries = reader.integer("max_retries", range: 0...10)
        reader.finish()
        if kindText == ModelProviderKind.scripted.rawValue && (baseURL != nil || env != nil || credential != nil) {
            issues.add(path, "a scripted provider takes no base_url or API key")
        }
        try issues.throwIfAny()
        return ModelProviderSpec(
            kind: ModelProviderKind(rawValue: kindText!)!, baseURL: baseURL, apiKeyEnv: env, apiKeyCredential: credential,
            timeoutSeconds: Int(timeout ?? 120), maxRetries: Int(retries ?? 2))
    }

    /// The canonical JSON form (defaults explicit, so two specs compare by their JSON).
    public var json: JSONValue {
        var object: JSONObject = ["kind": .string(kind.rawValue)]
        if let baseURL { object["base_url"] = .string(baseURL) }
        if let apiKeyEnv { object["api_key_env"] = .string(apiKeyEnv) }
        if let apiKeyCredential { object["api_key_credential"] = .string(apiKeyCredential) }
        object["timeout_s"] = .int(Int64(timeoutSeconds))
        object["max_retries"] = .int(Int64(maxRetries))
        return .object(object)
    }

    static func isEnvironmentName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
    }
}
