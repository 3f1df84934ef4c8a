// ModelClientFactory: turns a resolved endpoint into a `ModelClient`. The runtime depends only on
// this protocol, so the Anthropic and OpenAI clients plug in where the process is assembled (the
// CLI) and tests can script any model they need.

import HTTPClient
import Models
import Platform

/// Makes the model client of one run.
public protocol ModelClientFactory: Sendable {
    /// A client for `endpoint`; `agent` is the pinned configuration (the scripted model reads its
    /// rules from it). Throws `RuntimeError.modelUnavailable` when this build cannot serve it.
    func client(for endpoint: ModelEndpoint, agent: AgentSpec) throws -> any ModelClient
}

/// The standard factory: the offline scripted model built in, remote kinds through the closures
/// given (absent ones are reported as unavailable, naming the provider).
public struct StandardModelClientFactory: ModelClientFactory {
    public typealias Remote = @Sendable (ModelEndpoint) throws -> any ModelClient

    private let remotes: [ModelProviderKind: Remote]

    public init(anthropic: Remote? = nil, openai: Remote? = nil) {
        var remotes: [ModelProviderKind: Remote] = [:]
        remotes[.anthropic] = anthropic
        remotes[.openai] = openai
        self.remotes = remotes
    }

    public func client(for endpoint: ModelEndpoint, agent: AgentSpec) throws -> any ModelClient {
        if endpoint.kind == .scripted {
            return ScriptedModelClient(rules: agent.script?.rules.map { ScriptedRule(contains: $0.contains, reply: $0.reply) } ?? [])
        }
        guard let remote = remotes[endpoint.kind] else {
            throw RuntimeError.modelUnavailable("provider \"\(endpoint.providerID)\" is of kind \(endpoint.kind.rawValue), which this build has no client for")
        }
        return try remote(endpoint)
    }
}

extension StandardModelClientFactory {
    /// The factory with the real clients: Anthropic's Messages API and OpenAI-compatible Chat
    /// Completions (OpenAI, Ollama, vLLM, LM Studio, OpenRouter), all over `http` (our own client
    /// for plain http, URLSession for https), with each provider's timeout and retries.
    public static func live(http: HTTPClient) -> StandardModelClientFactory {
        StandardModelClientFactory(
            anthropic: { endpoint in
                guard let key = endpoint.apiKey, !key.isEmpty else {
                    throw RuntimeError.modelUnavailable(
                        "provider \"\(endpoint.providerID)\" has no API key: set the variable its api_key_env names, or its api_key_credential")
                }
                return AnthropicModelClient(
                    baseURL: endpoint.baseURL, apiKey: key, httpClient: http, timeoutSeconds: endpoint.timeoutSeconds,
                    retry: ModelRetryPolicy(maxRetries: endpoint.maxRetries))
            },
            openai: { endpoint in
                OpenAIModelClient(
                    baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, httpClient: http, timeoutSeconds: endpoint.timeoutSeconds,
                    retry: ModelRetryPolicy(maxRetries: endpoint.maxRetries))
            })
    }
}
