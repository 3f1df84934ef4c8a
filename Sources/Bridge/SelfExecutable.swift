// SelfExecutable: `${agentbridge}` in an upstream's command means "this very agentbridge
// executable", so a manifest can start the bundled reference server (`agentbridge
// reference-server`) without knowing where the binary lives.

#if canImport(Glibc)
import Glibc
#endif

/// Resolution of the `${agentbridge}` command placeholder.
public enum SelfExecutable {
    /// The placeholder as written in a manifest.
    public static let placeholder = "${agentbridge}"

    /// The absolute path of the running executable (`/proc/self/exe`), or nil.
    public static var path: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `command` with the placeholder resolved.
    public static func resolve(_ command: String) -> String {
        guard command == placeholder, let path else { return command }
        return path
    }
}
