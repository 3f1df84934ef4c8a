// Caller: who is acting (the Principal) and through which surface (the Origin), passed to every
// store operation so that authorization and the audit record are decided in one place.

/// The surface a request came through, recorded in audit records.
public enum Origin: String, Sendable, Hashable, CaseIterable {
    case cli, stdio, http, manifest, runtime
}

/// An authenticated principal acting through a surface.
public struct Caller: Sendable, Hashable {
    public let principal: Principal
    public let origin: Origin

    public init(principal: Principal, origin: Origin) {
        self.principal = principal
        self.origin = origin
    }

    /// The local administrator of the default (or given) workspace, e.g. the CLI.
    public static func local(_ origin: Origin, workspace: String = Workspace.defaultID) -> Caller {
        Caller(principal: .local(workspace: workspace), origin: origin)
    }

    public var workspaceID: String { principal.workspaceID }
}
