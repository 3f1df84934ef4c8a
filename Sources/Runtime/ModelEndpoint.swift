// ModelEndpoint: everything a model client needs to reach one agent's model, resolved from the
// agent's `provider/model` and the provider's stored spec — the API key already read from the
// environment or the vault. Its description never shows the key.

import Platform

/// A resolved model: which API, where, with which key, and which model.
public struct ModelEndpoint: Sendable, CustomStringConvertible {
    /// The provider id as the agent names it (`anthropic`, `local`, `scripted`, …).
    public let providerID: String
    public let kind: ModelProviderKind
    /// The provider's base URL, nil for the kind's public default.
    public let baseURL: String?
    /// The API key, nil when the provider needs none.
    public let apiKey: String?
    public let timeoutSeconds: Int
    public let maxRetries: Int
    /// The model name after `provider/`.
    public let modelName: String

    public init(
        providerID: String, kind: ModelProviderKind, baseURL: String?, apiKey: String?, timeoutSeconds: Int, maxRetries: Int,
        modelName: String
    ) {
        self.providerID = providerID
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
        self.modelName = modelName
    }

    public var description: String {
        "\(providerID)/\(modelName) (\(kind.rawValue)\(baseURL.map { " at \($0)" } ?? ""), key \(apiKey == nil ? "none" : "set"))"
    }
}
