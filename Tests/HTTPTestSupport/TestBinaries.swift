import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What several test targets need from the build and the machine: the built executables and a
/// free loopback port.
public enum TestBinaries {
    /// The repository root (this file is `Tests/HTTPTestSupport/TestBinaries.swift`).
    public static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable `name`: in `AGENTBRIDGE_BIN_DIR`, the directory of the test bundle or
    /// one above it (`.build/<triple>/debug`), or `.build/debug`.
    public static func executable(_ name: String) throws -> String {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["AGENTBRIDGE_BIN_DIR"] { candidates.append(URL(fileURLWithPath: dir)) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        for _ in 0..<6 {
            candidates.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(repoRoot.appendingPathComponent(".build/debug"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent(name).path) {
            return candidate.appendingPathComponent(name).path
        }
        throw Missing(description: "\(name) not found next to the test bundle (searched \(candidates.map(\.path))); build it first (swift build)")
    }

    /// The built `mcp-reference-server`.
    public static func referenceServer() throws -> String { try executable("mcp-reference-server") }

    /// A loopback port nobody listens on right now (bound to port 0, then released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Missing(description: "socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw Missing(description: "bind failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw Missing(description: "getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }
}
