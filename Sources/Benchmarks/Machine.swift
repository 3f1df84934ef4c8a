import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The machine a report was measured on: figures mean little without the CPU, its cores, the
/// kernel and how busy the machine was.
enum Machine {
    /// The 1, 5 and 15 minute load averages, as `uptime` prints them.
    static func loadAverage() -> String {
        let fields = (ProcessTree.read("/proc/loadavg") ?? "").split(separator: " ").prefix(3)
        return fields.isEmpty ? "unknown" : fields.joined(separator: ", ")
    }

    static var cpuModel: String {
        let info = ProcessTree.read("/proc/cpuinfo") ?? ""
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    static var cores: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    static var memoryGiB: Double {
        let info = ProcessTree.read("/proc/meminfo") ?? ""
        for line in info.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024 / 1024
        }
        return 0
    }

    static var kernel: String {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let system = withUnsafeBytes(of: name.sysname) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        return "\(system) \(release)"
    }

    /// The first line a tool prints for its version (`wrk -v`, `python --version`), or nil.
    static func version(of argv: [String]) -> String? {
        guard let result = try? Subprocess.capture(argv) else { return nil }
        return result.output.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) }
    }
}
