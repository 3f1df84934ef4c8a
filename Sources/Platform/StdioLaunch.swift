// StdioLaunch: how to launch a stdio upstream MCP server — the program, its arguments, its
// extra environment (values may reference vault credentials) and its working directory. Values
// are validated by `UpstreamServerSpec.parse`; this type only carries them.

/// Launch settings of a stdio upstream.
public struct StdioLaunch: Sendable, Hashable {
    /// The program to run (a path or a name looked up in PATH), 1–4096 characters.
    public var command: String
    /// Arguments, at most 256; empty strings are allowed.
    public var args: [String]
    /// Extra environment variables, in configuration order.
    public var env: [EnvironmentVariable]
    /// Absolute working directory, or nil for the platform's own.
    public var cwd: String?

    public init(command: String, args: [String] = [], env: [EnvironmentVariable] = [], cwd: String? = nil) {
        self.command = command
        self.args = args
        self.env = env
        self.cwd = cwd
    }

    /// Credentials referenced by `env`, in order of first use.
    public var credentialNames: [String] {
        var seen: Set<String> = []
        return env.flatMap(\.value.credentialNames).filter { seen.insert($0).inserted }
    }
}

/// One environment variable of a stdio upstream.
public struct EnvironmentVariable: Sendable, Hashable {
    /// `[A-Za-z_][A-Za-z0-9_]*`, at most 128 characters.
    public var name: String
    /// The value, possibly with `${credential:NAME}` references.
    public var value: CredentialTemplate

    public init(name: String, value: CredentialTemplate) {
        self.name = name
        self.value = value
    }

    /// Longest accepted name.
    public static let maxNameLength = 128

    /// Whether `name` is a portable environment variable name.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...maxNameLength).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"): true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): index > 0
            default: false
            }
        }
    }
}
