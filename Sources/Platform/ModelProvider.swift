// ModelProvider: a stored model provider (its id, workspace and validated spec).

/// A model provider of a workspace.
public struct ModelProvider: Sendable, Hashable {
    public let id: String
    public let workspaceID: String
    public let spec: ModelProviderSpec
    public let createdAt: Int64
    public let updatedAt: Int64

    /// The provider every workspace has without configuration (`scripted/<anything>`).
    public static let builtInScriptedID = "scripted"
}
