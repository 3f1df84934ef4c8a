/// The minimal environment for a child.
///
/// Why minimal: an upstream server inherits nothing of ours by accident — not our credentials,
/// tokens or `AGENTBRIDGE_*` settings — only what a program needs to run (where binaries are,
/// home, locale, time zone, temp dir) plus what its configuration names explicitly.
extension ChildProcess {
    /// Variables copied from our environment when present.
    public static let passedThroughVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]

    /// `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ` and `TMPDIR` from `environment` (typically ours,
    /// `ProcessInfo.processInfo.environment`) when present, then `extra` in order (a later entry
    /// replaces an earlier one and any passed-through value).
    public static func minimalEnvironment(from environment: [String: String], extra: [(String, String)]) -> [String: String] {
        var result: [String: String] = [:]
        for name in passedThroughVariables {
            if let value = environment[name] { result[name] = value }
        }
        for (name, value) in extra { result[name] = value }
        return result
    }
}
