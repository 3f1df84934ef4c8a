/// The MCP protocol revisions we speak, oldest first.
///
/// Two eras: `2026-07-28` is stateless (every request carries its `_meta` envelope); the earlier
/// revisions use the `initialize` handshake. Feature checks compare versions (`>= .v2025_06_18`)
/// instead of listing them, so adding a revision means adding one case here and its rows in
/// `MCPMethod.table`.
public enum ProtocolVersion: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case v2024_11_05 = "2024-11-05"
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    public static let latestLegacy: ProtocolVersion = .v2025_11_25
    public static let latestModern: ProtocolVersion = .v2026_07_28
    public static let legacyVersions: [ProtocolVersion] = allCases.filter { !$0.isModern }
    public static let modernVersions: [ProtocolVersion] = allCases.filter(\.isModern)

    /// True for the stateless revisions (no handshake, per-request `_meta`).
    public var isModern: Bool { self >= .v2026_07_28 }

    public var description: String { rawValue }

    /// Position in time. A switch, not `allCases.firstIndex(of:)`: the feature gates below run
    /// for every answer, and the search built and scanned the case array each time.
    private var order: Int {
        switch self {
        case .v2024_11_05: 0
        case .v2025_03_26: 1
        case .v2025_06_18: 2
        case .v2025_11_25: 3
        case .v2026_07_28: 4
        }
    }
    public static func < (a: ProtocolVersion, b: ProtocolVersion) -> Bool { a.order < b.order }

    // Feature gates used by result shaping.
    public var hasAudio: Bool { self >= .v2025_03_26 }
    public var hasToolAnnotations: Bool { self >= .v2025_03_26 }
    public var hasBatching: Bool { self == .v2025_03_26 }
    public var hasCompletionsCapability: Bool { self >= .v2025_03_26 }
    public var hasStructuredContent: Bool { self >= .v2025_06_18 }
    public var hasTitles: Bool { self >= .v2025_06_18 }
    public var hasResourceLinks: Bool { self >= .v2025_06_18 }
    public var hasElicitation: Bool { self >= .v2025_06_18 }
    public var hasIcons: Bool { self >= .v2025_11_25 }
}
