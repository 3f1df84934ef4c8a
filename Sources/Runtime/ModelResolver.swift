// ModelResolver: agent `provider/model` → the provider's stored spec (or the built-in
// `scripted`) → a `ModelEndpoint` with its API key read from the environment variable or the
// vault credential the spec names. Problems name the provider and what is missing, never a key.

import Platform
import Storage

/// Resolves an agent's model to an endpoint.
struct ModelResolver: Sendable {
    let database: Database
    let vault: CredentialStore?
    let environment: [String: String]

    func endpoint(for spec: AgentSpec, workspace: String) throws -> ModelEndpoint {
        let providerSpec: ModelProviderSpec
        if spec.provider == ModelProvider.builtInScriptedID {
            providerSpec = ModelProviderSpec(kind: .scripted)
        } else {
            do {
                providerSpec = try ModelProviderStore(database: database).get(caller: .local(.runtime, workspace: workspace), id: spec.provider).spec
            } catch PlatformError.notFound {
                throw RuntimeError.modelUnavailable("model provider \"\(spec.provider)\" is not defined in workspace \"\(workspace)\"")
            }
        }
        var key: String?
        if let variable = providerSpec.apiKeyEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw RuntimeError.modelUnavailable("provider \"\(spec.provider)\" reads its API key from $\(variable), which is not set")
            }
            key = value
        } else if let credential = providerSpec.apiKeyCredential {
            guard let vault else {
                throw RuntimeError.modelUnavailable("provider \"\(spec.provider)\" needs credential \"\(credential)\" but no vault is open")
            }
            guard let value = try vault.secret(workspace: workspace, name: credential) else {
                throw RuntimeError.modelUnavailable("provider \"\(spec.provider)\" needs credential \"\(credential)\", which is not in the vault")
            }
            key = value
        }
        return ModelEndpoint(
            providerID: spec.provider, kind: providerSpec.kind, baseURL: providerSpec.baseURL, apiKey: key,
            timeoutSeconds: providerSpec.timeoutSeconds, maxRetries: providerSpec.maxRetries, modelName: spec.modelName)
    }
}
